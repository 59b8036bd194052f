import CairnCore
import Foundation
import GRDB

/// The append-only audit log.
///
/// ```swift
/// let audit = AuditRepository(store: store)
/// try await audit.append(entry)
/// let failures = try await audit.list(AuditQuery(action: "auth.login_failed", limit: 50))   // newest first
/// ```
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
            var conditions = SQLConditions()
            conditions.add("actor = ?", query.actor)
            conditions.add("action = ?", query.action)
            conditions.add("target = ?", query.target)
            conditions.add("at >= ?", query.since?.millis)
            conditions.add("at <= ?", query.until?.millis)
            conditions.add("id < ?", query.before?.rawValue)
            let sql = "SELECT * FROM audit_log WHERE 1 = 1" + conditions.sql + " ORDER BY id DESC LIMIT ?"
            return try Row.fetchAll(db, sql: sql, arguments: conditions.arguments + [query.limit]).compactMap { row in
                guard let id = AuditID(row["id"]) else { return nil }
                return AuditEntry(
                    id: id, at: Date(millis: row["at"]), actor: row["actor"], action: row["action"], target: row["target"],
                    ip: row["ip"], userAgent: row["user_agent"], details: row["details"])
            }
        }
    }
}
