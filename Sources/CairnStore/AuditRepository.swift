import CairnCore
import Foundation
import GRDB

/// One audit entry: who did what to what, from where. Never holds a password or token.
public struct AuditEntry: Sendable, Equatable {
    public var id: AuditID
    public var at: Date
    public var actor: String?
    public var action: String
    public var target: String?
    public var ip: String?
    public var userAgent: String?
    /// Small JSON object with extra facts (reason, before/after).
    public var details: String?

    public init(id: AuditID = .generate(), at: Date, actor: String?, action: String, target: String?,
                ip: String? = nil, userAgent: String? = nil, details: String? = nil) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.ip = ip
        self.userAgent = userAgent
        self.details = details
    }
}

/// Filters for reading the audit log, newest first.
public struct AuditQuery: Sendable {
    public var actor: String?
    public var action: String?
    public var target: String?
    public var since: Date?
    public var until: Date?
    public var before: AuditID?
    public var limit: Int

    public init(actor: String? = nil, action: String? = nil, target: String? = nil, since: Date? = nil, until: Date? = nil,
                before: AuditID? = nil, limit: Int = 50) {
        self.actor = actor
        self.action = action
        self.target = target
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}

/// The append-only audit log.
public struct AuditRepository: Sendable {
    let store: Store
    public init(store: Store) { self.store = store }

    public func append(_ entry: AuditEntry) async throws {
        try await store.pool.write { db in
            try db.execute(
                sql: "INSERT INTO audit_log (id, at, actor, action, target, ip, user_agent, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [entry.id.rawValue, entry.at.millis, entry.actor, entry.action, entry.target, entry.ip, entry.userAgent, entry.details])
        }
    }

    public func list(_ query: AuditQuery) async throws -> [AuditEntry] {
        try await store.pool.read { db in
            var sql = "SELECT * FROM audit_log WHERE 1 = 1"
            var arguments: StatementArguments = []
            if let actor = query.actor { sql += " AND actor = ?"; arguments += [actor] }
            if let action = query.action { sql += " AND action = ?"; arguments += [action] }
            if let target = query.target { sql += " AND target = ?"; arguments += [target] }
            if let since = query.since { sql += " AND at >= ?"; arguments += [since.millis] }
            if let until = query.until { sql += " AND at <= ?"; arguments += [until.millis] }
            if let before = query.before { sql += " AND id < ?"; arguments += [before.rawValue] }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [query.limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                guard let id = AuditID(row["id"]) else { return nil }
                return AuditEntry(id: id, at: Date(millis: row["at"]), actor: row["actor"], action: row["action"], target: row["target"],
                                  ip: row["ip"], userAgent: row["user_agent"], details: row["details"])
            }
        }
    }
}
