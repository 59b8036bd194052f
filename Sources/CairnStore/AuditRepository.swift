import CairnCore
import Foundation
import GRDB

/// The append-only audit log.
///
/// ```swift
/// let audit = AuditRepository(store.pool)
/// try await audit.append(entry)
/// let failures = try await audit.list(AuditQuery(action: "auth.login_failed", limit: 50))   // newest first
/// ```
public struct AuditRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func append(_ entry: AuditEntry) async throws {
        try await database.write { db in
            try entry.insert(db)
        }
    }

    public func list(_ query: AuditQuery) async throws -> [AuditEntry] {
        try await database.read { db in
            var conditions = SQLConditions()
            conditions.add("actor = ?", query.actor)
            conditions.add("action = ?", query.action)
            conditions.add("target = ?", query.target)
            conditions.add("at >= ?", query.since?.millis)
            conditions.add("at <= ?", query.until?.millis)
            conditions.add("id < ?", query.before)
            let sql = "SELECT * FROM audit_log WHERE 1 = 1" + conditions.sql + " ORDER BY id DESC LIMIT ?"
            return try AuditEntry.fetchAll(db, sql: sql, arguments: conditions.arguments + [query.limit])
        }
    }
}
