import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// `/api/keys`: the caller's personal API keys. The key itself is in the create answer only.
struct APIKeyRoutes {
    let auth: AuthService

    struct CreateBody: Decodable {
        let name: String
        let expiresInDays: Int?
        let scopes: [String]?
    }
    struct KeyBody: Encodable {
        let id: String, name: String, prefix: String, scopes: [String], createdAt: Date, expiresAt: Date?, lastUsedAt: Date?
        init(_ record: APIKeyRecord) {
            id = record.id.rawValue
            name = record.name
            prefix = record.prefix
            scopes = record.scopes
            createdAt = record.createdAt
            expiresAt = record.expiresAt
            lastUsedAt = record.lastUsedAt
        }
    }
    struct CreatedBody: Encodable {
        let id: String, name: String, key: String, prefix: String, scopes: [String], createdAt: Date, expiresAt: Date?
    }

    func register(on api: RouterGroup<CairnRequestContext>) {
        api.post("/keys") { request, context in
            let body = try await APIJSON.decode(CreateBody.self, from: request, context: context)
            var checks = FieldChecks()
            let name = checks.text("name", body.name.trimmingCharacters(in: .whitespacesAndNewlines), maxBytes: 100, minBytes: 1)
            let days = checks.integer("expires_in_days", body.expiresInDays, in: 1...AuthService.apiKeyMaxDays)
            var scopes: Set<APIKeyScope> = [.chat]
            if let raw = body.scopes {
                let parsed = raw.map { APIKeyScope(rawValue: $0) }
                if raw.isEmpty || raw.count > 2 || parsed.contains(nil) {
                    checks.fail("scopes", "must be [\"chat\"] or [\"read\"]")
                } else {
                    scopes = Set(parsed.compactMap { $0 })
                }
            }
            try checks.finish()
            let (record, key) = try await auth.createAPIKey(
                for: try context.requirePrincipal(), name: name ?? "", expiresInDays: days,
                scopes: scopes, origin: request.origin(context))
            return try APIJSON.response(
                CreatedBody(
                    id: record.id.rawValue, name: record.name, key: key, prefix: record.prefix, scopes: record.scopes,
                    createdAt: record.createdAt, expiresAt: record.expiresAt), status: .created)
        }
        api.get("/keys") { _, context in
            try APIJSON.response(Page(items: try await auth.listAPIKeys(of: try context.requirePrincipal()).map(KeyBody.init), nextCursor: nil))
        }
        api.delete("/keys/:id") { request, context in
            try await auth.revokeAPIKey(
                try context.pathID(as: APIKeyID.self, what: "API key"), by: try context.requirePrincipal(),
                origin: request.origin(context))
            return Response(status: .noContent)
        }
    }
}
