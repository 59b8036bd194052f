import CairnAuth
import CairnCore
import Foundation
import HTTPTypes
import Hummingbird

/// Keeps a browser's refresh token out of script reach.
///
/// A request that carries `X-Cairn-Refresh: cookie` gets its refresh token as an HttpOnly,
/// SameSite=Strict cookie scoped to `/api/auth` instead of in the JSON body, and may refresh with
/// an empty body: the cookie is the token. The header is required on the refresh as well, so a
/// cross-site form (which cannot set headers) can never spend the cookie. Beside it goes a
/// readable `cairn_signed_in=1` marker (no secret) so a page knows whether a refresh is worth
/// trying. Clients that do not send the header see the JSON contract unchanged.
///
/// ```swift
/// let delivery = RefreshCookie(request: request, settings: settings)
/// return try delivery.response(success, status: .ok)   // body without refresh_token, Set-Cookie set
/// ```
struct RefreshCookie {
    static let name = "cairn_refresh"
    static let path = "/api/auth"
    static let marker = "cairn_signed_in"
    static let header = HTTPField.Name("X-Cairn-Refresh")!

    /// Whether the client asked for cookie delivery.
    let wanted: Bool
    /// Whether the cookie must be marked `Secure` (HTTPS in front of the server).
    let secure: Bool
    /// The refresh lifetime, the cookie's `Max-Age` (the session itself may end earlier).
    let lifetime: Int
    /// The token the browser presented in the cookie, if any.
    let presented: String?

    init(request: Request, settings: LiveSettings) {
        wanted = request.headers[Self.header]?.lowercased() == "cookie"
        secure = request.isHTTPS(settings: settings)
        lifetime = settings.snapshot[.authRefreshTTLSeconds]
        presented = Self.value(in: request.headers[.cookie])
    }

    /// The answer to a sign-in or refresh: the token pair in the body, or the access token in the
    /// body and the refresh token in the cookie.
    func response(_ success: AuthSuccess, status: HTTPResponse.Status = .ok) throws -> Response {
        guard wanted else { return try APIJSON.response(AuthBody(success), status: status) }
        var headers = cookies(success.tokens.refreshToken, maxAge: lifetime)
        headers[.cacheControl] = "no-store"
        return try APIJSON.response(AuthBody(success, includeRefreshToken: false), status: status, headers: headers)
    }

    /// A 204 that also removes the cookies (logout).
    func clearing(_ status: HTTPResponse.Status = .noContent) -> Response {
        Response(status: status, headers: clearingCookies)
    }

    /// `Set-Cookie` fields that remove both cookies (after logout or a refused refresh).
    var clearingCookies: HTTPFields { cookies("", maxAge: 0) }

    /// The refresh token to use: the body's, else (cookie delivery only) the cookie's.
    func token(fromBody body: String?) throws -> String {
        if let body { return body }
        guard wanted else { throw CairnError.validation(["refresh_token": "is required"]) }
        if let presented, !presented.isEmpty { return presented }
        throw CairnError(.unauthenticated, "no refresh cookie: sign in again")
    }

    func cookies(_ token: String, maxAge: Int) -> HTTPFields {
        let attributes = "Max-Age=\(maxAge); SameSite=Strict" + (secure ? "; Secure" : "")
        var fields = HTTPFields()
        fields.append(HTTPField(name: .setCookie, value: "\(Self.name)=\(token); Path=\(Self.path); HttpOnly; \(attributes)"))
        fields.append(HTTPField(name: .setCookie, value: "\(Self.marker)=\(token.isEmpty ? "" : "1"); Path=/; \(attributes)"))
        return fields
    }

    /// The cookie's value in a `Cookie` header.
    static func value(in header: String?) -> String? {
        Request.cookie(named: name, in: header)
    }
}

extension Request {
    /// Whether the browser reached the server over HTTPS: the configured public address says so,
    /// or a proxy in front says so with `X-Forwarded-Proto`.
    func isHTTPS(settings: LiveSettings) -> Bool {
        settings.snapshot[.serverPublicURL].hasPrefix("https://")
            || headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    /// One cookie's value from a `Cookie` header (`a=1; b=2`).
    static func cookie(named name: String, in header: String?) -> String? {
        header?.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }
}
