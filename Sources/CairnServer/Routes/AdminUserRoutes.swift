import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// `/api/admin/users` and `/api/admin/audit`: approving, disabling and inspecting accounts.
struct AdminUserRoutes {
    let auth: AuthService
    let audit: AuditRepository
    let quotas: QuotaGuard
    let clock: any WallClock

    struct UserPatch: Decodable {
        let role: String?
        let status: String?
        let disabled: Bool?
        /// Absent: unchanged; `null`: the override is removed; an object: the new override.
        let quota: QuotaLimits??

        enum CodingKeys: String, CodingKey { case role, status, disabled, quota }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decodeIfPresent(String.self, forKey: .role)
            status = try container.decodeIfPresent(String.self, forKey: .status)
            disabled = try container.decodeIfPresent(Bool.self, forKey: .disabled)
            if container.contains(.quota) {
                quota = .some(try container.decodeNil(forKey: .quota) ? nil : try container.decode(QuotaLimits.self, forKey: .quota))
            } else {
                quota = nil
            }
        }
    }
    struct ResetBody: Encodable { let resetUrl: String, expiresAt: Date }
    struct RevokedBody: Encodable { let revoked: Int }
    struct AuditBody: Encodable {
        let id: String
        let at: Date
        let actor: String?
        let actorEmail: String?
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
            let query = request.uri.queryParameters
            let search = query["q"].map { String($0.prefix(320)) }
            let status = try query["status"].map { raw -> UserRecord.Status in
                guard let status = UserRecord.Status(rawValue: String(raw)) else {
                    throw CairnError.validation(["status": "must be active, pending or disabled"])
                }
                return status
            }
            let users = try await auth.listUsers(search: search, status: status, after: after, limit: page.limit)
            let usage = try await quotas.usage(of: users.map(\.id), now: clock.now())
            let items = users.map { user in
                var body = UserBody(user)
                body.quota = quotas.override(of: user.id)
                body.usage = usage[user.id]
                return body
            }
            return try APIJSON.response(Page(items: items, nextCursor: page.next(after: users.last?.id.rawValue, count: users.count)))
        }
        admin.patch("/users/:id") { request, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            let patch = try await APIJSON.decode(UserPatch.self, from: request, context: context)
            var problems: [String: String] = [:]
            let role = patch.role.map { raw -> Role in
                guard let role = Role(rawValue: raw) else {
                    problems["role"] = "must be admin or user"
                    return .user
                }
                return role
            }
            var status = patch.status.map { raw -> UserRecord.Status in
                guard let status = UserRecord.Status(rawValue: raw) else {
                    problems["status"] = "must be active, pending or disabled"
                    return .active
                }
                return status
            }
            if let disabled = patch.disabled { status = disabled ? .disabled : (status ?? .active) }
            if case .some(.some(let quota)) = patch.quota {
                for (name, value) in [
                    ("runs_per_day", quota.runsPerDay), ("tokens_per_day", quota.tokensPerDay), ("tokens_per_month", quota.tokensPerMonth),
                ] {
                    if let value, !(0...QuotaLimits.maximum).contains(value) {
                        problems["quota.\(name)"] = "must be an integer between 0 and \(QuotaLimits.maximum), or null for the default"
                    }
                }
            }
            if role == nil && status == nil && patch.quota == nil && problems.isEmpty {
                problems["body"] = "nothing to change: give role, status, disabled or quota"
            }
            if !problems.isEmpty { throw CairnError.validation(problems) }
            let principal = try context.requirePrincipal()
            let origin = request.origin(context)
            var updated: UserRecord
            if role != nil || status != nil {
                updated = try await auth.updateUser(id, role: role, status: status, by: principal, origin: origin)
            } else {
                guard let found = try await auth.user(id: id) else { throw CairnError.notFound("user") }
                updated = found
            }
            if let quota = patch.quota {
                let before = quotas.override(of: id)
                try await quotas.setOverride(quota, of: id)
                await auth.audit.record(
                    "admin.user_quota_changed", actor: principal.userID.rawValue, target: id.rawValue, origin: origin,
                    details: ["before": Self.describe(before), "after": Self.describe(quotas.override(of: id))])
            }
            var body = UserBody(updated)
            body.quota = quotas.override(of: id)
            body.usage = try await quotas.usage(of: [id], now: clock.now())[id]
            return try APIJSON.response(body)
        }
        admin.post("/users/:id/unlock") { request, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            return try APIJSON.response(UserBody(try await auth.unlock(id, by: try context.requirePrincipal(), origin: request.origin(context))))
        }
        admin.post("/users/:id/password-reset") { request, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            let (token, expires) = try await auth.issuePasswordReset(for: id, by: try context.requirePrincipal(), origin: request.origin(context))
            return try APIJSON.response(ResetBody(resetUrl: "/#reset=\(token)", expiresAt: expires), status: .created)
        }
        admin.get("/users/:id/keys") { _, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            guard try await auth.user(id: id) != nil else { throw CairnError.notFound("user") }
            return try APIJSON.response(Page(items: try await auth.listAPIKeys(of: id).map(APIKeyRoutes.KeyBody.init), nextCursor: nil))
        }
        admin.delete("/users/:id/keys/:key") { request, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            let key = try context.pathID(as: APIKeyID.self, what: "API key", parameter: "key")
            try await auth.revokeAPIKey(key, of: id, by: try context.requirePrincipal(), origin: request.origin(context))
            return Response(status: .noContent)
        }
        admin.get("/users/:id/sessions") { _, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            let items = try await auth.liveSessions(of: id).map { SessionBody($0) }
            return try APIJSON.response(Page(items: items, nextCursor: nil))
        }
        admin.delete("/users/:id/sessions/:session") { request, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            let session = try context.pathID(as: SessionID.self, what: "session", parameter: "session")
            try await auth.revokeSession(session, of: id, by: try context.requirePrincipal(), origin: request.origin(context))
            return Response(status: .noContent)
        }
        admin.post("/users/:id/revoke-sessions") { request, context in
            let id = try context.pathID(as: UserID.self, what: "user")
            let count = try await auth.revokeAllSessions(of: id, by: try context.requirePrincipal(), origin: request.origin(context))
            return try APIJSON.response(RevokedBody(revoked: count))
        }
        admin.get("/audit") { request, _ in
            let query = request.uri.queryParameters
            let csv: Bool
            switch query["format"].map(String.init) {
            case nil, "json": csv = false
            case "csv": csv = true
            default: throw CairnError.validation(["format": "must be json or csv"])
            }
            let page = csv ? Pagination(limit: Self.csvLimit) : try Pagination(request)
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
            // The actor may be given as an email; an unknown email matches nothing.
            var actor = query["actor"].map { String($0.prefix(320)) }
            if let given = actor, given.contains("@") {
                actor = try await auth.user(email: given)?.id.rawValue ?? "-"
            }
            let entries = try await audit.list(
                AuditQuery(
                    actor: actor, action: query["action"].map { String($0.prefix(200)) },
                    target: query["target"].map { String($0.prefix(320)) }, since: try date("since"), until: try date("until"),
                    before: before, limit: page.limit))
            let emails = try await auth.emails(of: Array(Set(entries.compactMap { $0.actor.flatMap(UserID.init) })))
            if csv { return Self.csv(entries, emails: emails) }
            let items = entries.map { entry in
                AuditBody(
                    id: entry.id.rawValue, at: entry.at, actor: entry.actor, actorEmail: entry.actor.flatMap { UserID($0).flatMap { emails[$0] } },
                    action: entry.action, target: entry.target,
                    ip: entry.ip, userAgent: entry.userAgent,
                    details: entry.details.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) })
            }
            return try APIJSON.response(Page(items: items, nextCursor: page.next(after: entries.last?.id.rawValue, count: entries.count)))
        }
    }

    /// The most rows one CSV export holds.
    static let csvLimit = 10_000

    /// The audit rows as CSV (RFC 4180), an attachment. Cells that a spreadsheet would run as a
    /// formula (`=`, `+`, `-`, `@` first) are prefixed with `'`.
    static func csv(_ entries: [AuditEntry], emails: [UserID: String]) -> Response {
        func cell(_ value: String?) -> String {
            guard var text = value, !text.isEmpty else { return "" }
            if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
            if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return text
        }
        var out = "id,at,actor,actor_email,action,target,ip,details\r\n"
        for entry in entries {
            let email = entry.actor.flatMap { UserID($0).flatMap { emails[$0] } }
            out +=
                [entry.id.rawValue, Timestamp.format(entry.at), entry.actor, email, entry.action, entry.target, entry.ip, entry.details]
                .map(cell).joined(separator: ",") + "\r\n"
        }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"cairn-audit.csv\""],
            body: .init(byteBuffer: .init(string: out)))
    }

    /// An override for the audit log: `runs_per_day=5 tokens_per_day=default …` or `none`.
    static func describe(_ quota: QuotaLimits?) -> String {
        guard let quota else { return "none" }
        return [("runs_per_day", quota.runsPerDay), ("tokens_per_day", quota.tokensPerDay), ("tokens_per_month", quota.tokensPerMonth)]
            .map { "\($0.0)=\($0.1.map(String.init) ?? "default")" }.joined(separator: " ")
    }
}
