import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// `/api/admin/users` and `/api/admin/audit`: approving, disabling and inspecting accounts.
struct AdminUserRoutes {
    let auth: AuthService
    let audit: AuditRepository

    struct UserPatch: Decodable {
        let role: String?
        let status: String?
        let disabled: Bool?
    }
    struct RevokedBody: Encodable { let revoked: Int }
    struct AuditBody: Encodable {
        let id: String
        let at: Date
        let actor: String?
        let action: String
        let target: String?
        let ip: String?
        let userAgent: String?
        let details: [String: String]?
    }

    func register(on admin: RouterGroup<CairnRequestContext>) {
        admin.get("/users") { request, _ in
            let page = try Pagination(request)
            let after = try page.cursor.map { cursor -> UserID in
                guard let id = UserID(cursor) else { throw CairnError(.invalidRequest, "malformed cursor") }
                return id
            }
            let search = request.uri.queryParameters["q"].map(String.init)
            let users = try await auth.listUsers(search: search, after: after, limit: page.limit)
            return try APIJSON.response(Page(items: users.map(UserBody.init), nextCursor: page.next(after: users.last?.id.rawValue, count: users.count)))
        }
        admin.patch("/users/:id") { request, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            let patch = try await APIJSON.decode(UserPatch.self, from: request, context: context)
            var problems: [String: String] = [:]
            let role = patch.role.map { raw -> Role in
                guard let role = Role(rawValue: raw) else { problems["role"] = "must be admin or user"; return .user }
                return role
            }
            var status = patch.status.map { raw -> UserRecord.Status in
                guard let status = UserRecord.Status(rawValue: raw) else { problems["status"] = "must be active, pending or disabled"; return .active }
                return status
            }
            if let disabled = patch.disabled { status = disabled ? .disabled : (status ?? .active) }
            if role == nil && status == nil && problems.isEmpty { problems["body"] = "nothing to change: give role, status or disabled" }
            if !problems.isEmpty { throw CairnError.validation(problems) }
            let updated = try await auth.updateUser(id, role: role, status: status, by: try context.requirePrincipal(), origin: request.origin(context))
            return try APIJSON.response(UserBody(updated))
        }
        admin.post("/users/:id/unlock") { request, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            return try APIJSON.response(UserBody(try await auth.unlock(id, by: try context.requirePrincipal(), origin: request.origin(context))))
        }
        admin.post("/users/:id/revoke-sessions") { request, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            let count = try await auth.revokeAllSessions(of: id, by: try context.requirePrincipal(), origin: request.origin(context))
            return try APIJSON.response(RevokedBody(revoked: count))
        }
        admin.get("/audit") { request, _ in
            let page = try Pagination(request)
            let query = request.uri.queryParameters
            func date(_ name: String) throws -> Date? {
                guard let raw = query[Substring(name)] else { return nil }
                guard let date = Timestamp.parse(raw) else {
                    throw CairnError.validation([name: "must be an RFC 3339 timestamp"])
                }
                return date
            }
            let before = try page.cursor.map { cursor -> AuditID in
                guard let id = AuditID(cursor) else { throw CairnError(.invalidRequest, "malformed cursor") }
                return id
            }
            let entries = try await audit.list(AuditQuery(
                actor: query["actor"].map(String.init), action: query["action"].map(String.init),
                target: query["target"].map(String.init), since: try date("since"), until: try date("until"),
                before: before, limit: page.limit))
            let items = entries.map { entry in
                AuditBody(id: entry.id.rawValue, at: entry.at, actor: entry.actor, action: entry.action, target: entry.target,
                          ip: entry.ip, userAgent: entry.userAgent,
                          details: entry.details.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) })
            }
            return try APIJSON.response(Page(items: items, nextCursor: page.next(after: entries.last?.id.rawValue, count: entries.count)))
        }
    }
}
