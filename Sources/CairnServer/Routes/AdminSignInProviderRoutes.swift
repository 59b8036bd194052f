import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// `/api/admin/auth-providers/{id}`: sign-in providers (OpenID Connect, Google, GitHub). The
/// client secret is write-only and comes back masked; it never follows a changed issuer.
struct AdminSignInProviderRoutes {
    let repository: SignInProviderRepository
    let auth: AuthService
    let clock: any WallClock

    struct Body: Decodable {
        let type: String
        let name: String?
        let issuer: String?
        let clientId: String
        let clientSecret: String?
        let scopes: [String]?
    }
    struct Shown: Encodable {
        let id: String, type: String, name: String, issuer: String?, clientId: String, clientSecret: String, scopes: [String]
        let updatedAt: Date, updatedBy: String?, callbackPath: String
        init(_ record: SignInProviderRecord) {
            id = record.id
            type = record.type
            name = record.name
            issuer = record.issuer
            clientId = record.clientID
            clientSecret = "********"
            scopes = record.scopes
            updatedAt = record.updatedAt
            updatedBy = record.updatedBy
            callbackPath = "/api/auth/oauth/\(record.id)/callback"
        }
    }

    static let types = ["oidc", "google", "github"]

    /// `a-z`, digits and `-`, 1 to 32 characters.
    static func isValidID(_ id: String) -> Bool {
        (1...32).contains(id.utf8.count) && id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    func register(on admin: RouterGroup<CairnRequestContext>) {
        admin.get("/auth-providers") { _, _ in
            try APIJSON.response(Page(items: try await repository.all().map(Shown.init), nextCursor: nil))
        }
        admin.get("/auth-providers/:id") { _, context in
            guard let record = try await repository.find(try Self.id(context)) else { throw CairnError.notFound("sign-in provider") }
            return try APIJSON.response(Shown(record))
        }
        admin.put("/auth-providers/:id") { request, context in
            let id = try Self.id(context)
            let body = try await APIJSON.decode(Body.self, from: request, context: context)
            let previous = try await repository.find(id)
            let principal = try context.requirePrincipal()
            let record = try Self.validate(body, id: id, previous: previous, now: clock.now(), by: principal.userID.rawValue)
            _ = try await repository.save(record)
            await auth.audit.record(
                "admin.auth_provider_saved", actor: principal.userID.rawValue, target: id, origin: request.origin(context),
                details: ["type": record.type, "issuer": record.issuer ?? "default", "created": String(previous == nil)])
            return try APIJSON.response(Shown(record), status: previous == nil ? .created : .ok)
        }
        admin.delete("/auth-providers/:id") { request, context in
            let id = try Self.id(context)
            guard try await repository.delete(id) else { throw CairnError.notFound("sign-in provider") }
            await auth.audit.record(
                "admin.auth_provider_deleted", actor: try context.requirePrincipal().userID.rawValue, target: id,
                origin: request.origin(context))
            return Response(status: .noContent)
        }
    }

    static func id(_ context: CairnRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), isValidID(id) else { throw CairnError.notFound("sign-in provider") }
        return id
    }

    static func validate(_ body: Body, id: String, previous: SignInProviderRecord?, now: Date, by actor: String) throws -> SignInProviderRecord {
        var checks = FieldChecks()
        if !types.contains(body.type) { checks.fail("type", "must be one of \(types.joined(separator: ", "))") }
        let name = checks.text("name", body.name ?? defaultName(body.type, id), maxBytes: 100, minBytes: 1)
        let clientID = checks.text("client_id", body.clientId, maxBytes: 512, minBytes: 1)
        var issuer = body.issuer.flatMap { $0.isEmpty ? nil : $0 }
        if let given = issuer {
            if given.utf8.count > 2000 || !isIssuerURL(given) {
                checks.fail("issuer", "must be an https URL (http only for localhost) of at most 2000 bytes, without a query or fragment")
            }
            issuer = given.hasSuffix("/") ? String(given.dropLast()) : given
        } else if body.type == "oidc" {
            checks.fail("issuer", "is required for an OpenID Connect provider")
        }
        var secret = body.clientSecret
        if let given = secret {
            if given.isEmpty || given.utf8.count > 4096 { checks.fail("client_secret", "must be 1 to 4096 bytes") }
        } else if let previous, previous.issuer == issuer, previous.type == body.type {
            secret = previous.clientSecret
        } else {
            checks.fail("client_secret", previous == nil ? "is required" : "is required again when the type or issuer changes")
        }
        let defaultScopes = body.type == "github" ? ["read:user", "user:email"] : ["openid", "email", "profile"]
        let scopes = body.scopes ?? defaultScopes
        if scopes.isEmpty || scopes.count > 20 || scopes.contains(where: { $0.isEmpty || $0.utf8.count > 100 || $0.contains(" ") }) {
            checks.fail("scopes", "must be 1 to 20 scope names without spaces")
        } else if body.type != "github", !scopes.contains("openid") {
            checks.fail("scopes", "must include openid")
        }
        try checks.finish()
        return SignInProviderRecord(
            id: id, type: body.type, name: name ?? id, issuer: issuer, clientID: clientID ?? "", clientSecret: secret ?? "",
            scopes: scopes, updatedAt: now, updatedBy: actor)
    }

    static func defaultName(_ type: String, _ id: String) -> String {
        switch type {
        case "google": "Google"
        case "github": "GitHub"
        default: id
        }
    }

    static func isIssuerURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let host = url.host, url.query == nil, url.fragment == nil, url.user == nil else { return false }
        if url.scheme == "https" { return true }
        return url.scheme == "http" && ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host)
    }
}
