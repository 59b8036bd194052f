import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird

/// Sign-in through providers: `GET /api/auth/providers`, `GET /api/auth/oauth/{id}/start`,
/// `GET /api/auth/oauth/{id}/callback` and `POST /api/auth/oauth/exchange`.
struct SignInRoutes {
    let signIn: SignInService
    let settings: LiveSettings

    static let cookie = "cairn_oauth"
    static let cookiePath = "/api/auth/oauth"

    struct ProviderBody: Encodable {
        let id: String
        let name: String
        let type: String
    }
    struct ExchangeBody: Decodable { let loginCode: String }

    func register(on group: RouterGroup<CairnRequestContext>) {
        group.get("/providers") { _, _ in
            try APIJSON.response(try await signIn.providers().map { ProviderBody(id: $0.id, name: $0.name, type: $0.type) })
        }
        group.get("/oauth/:provider/start") { request, context in
            let id = try Self.providerID(context)
            let redirect = request.uri.queryParameters["redirect"].map(String.init) ?? "/"
            let start = try await signIn.begin(provider: id, redirect: redirect, callback: callbackURL(request, id), origin: request.origin(context))
            var headers = HTTPFields()
            headers[.location] = start.url
            headers[.setCookie] =
                "\(Self.cookie)=\(start.browserToken); Path=\(Self.cookiePath); Max-Age=600; HttpOnly; SameSite=Lax"
                + (isHTTPS(request) ? "; Secure" : "")
            headers[.cacheControl] = "no-store"
            return Response(status: .found, headers: headers)
        }
        group.get("/oauth/:provider/callback") { request, context in
            let id = try Self.providerID(context)
            let query = request.uri.queryParameters
            do {
                let done = try await signIn.complete(
                    provider: id, code: query["code"].map(String.init), state: query["state"].map(String.init),
                    error: query["error"].map(String.init), browserToken: Self.cookieValue(request.headers[.cookie]),
                    callback: callbackURL(request, id), origin: request.origin(context))
                var headers = HTTPFields()
                headers[.location] = done.location
                headers[.setCookie] = "\(Self.cookie)=; Path=\(Self.cookiePath); Max-Age=0; HttpOnly; SameSite=Lax"
                headers[.cacheControl] = "no-store"
                return Response(status: .found, headers: headers)
            } catch let bad as SignInService.BadState {
                throw CairnError(.invalidRequest, bad.description)
            }
        }
        group.post("/oauth/exchange") { request, context in
            let body = try await APIJSON.decode(ExchangeBody.self, from: request, context: context)
            let success = try await signIn.exchange(loginCode: body.loginCode, origin: request.origin(context))
            return try RefreshCookie(request: request, settings: settings).response(success)
        }
    }

    static func providerID(_ context: CairnRequestContext) throws -> String {
        guard let id = context.parameters.get("provider"), AdminSignInProviderRoutes.isValidID(id) else {
            throw CairnError.notFound("sign-in provider")
        }
        return id
    }

    /// The absolute callback address the provider sends the browser back to.
    func callbackURL(_ request: Request, _ id: String) -> String {
        var base = settings.snapshot[.serverPublicURL].trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if base.isEmpty {
            let host = request.head.authority ?? "localhost"
            base = (isHTTPS(request) ? "https://" : "http://") + host
        }
        return base + "/api/auth/oauth/\(id)/callback"
    }

    func isHTTPS(_ request: Request) -> Bool {
        request.isHTTPS(settings: settings)
    }

    /// The browser binding from a `Cookie` header.
    static func cookieValue(_ header: String?) -> String? {
        Request.cookie(named: cookie, in: header)
    }
}
