import Foundation
import GRDB

/// The outcome of one readiness check (`/readyz`).
public struct ReadinessReport: Sendable {
    public var checks: [String: String]
    public var ready: Bool { checks.values.allSatisfy { $0 == "ok" } }
}

extension Store {
    /// Checks that the database is open, fully migrated and accepts a write, waiting at most
    /// `writeTimeout` for the write lock so a wedged database answers quickly as not ready.
    public func readiness(writeTimeout: TimeInterval = 1) async -> ReadinessReport {
        var checks: [String: String] = [:]
        do {
            let migrated = try await pool.read { db in try Migrations.migrator.hasCompletedMigrations(db) }
            checks["database"] = "ok"
            checks["migrations"] = migrated ? "ok" : "pending migrations"
        } catch {
            checks["database"] = "unavailable: \(Store.describe(error))"
            checks["migrations"] = "unknown"
            checks["writable"] = "unknown"
            return ReadinessReport(checks: checks)
        }
        do {
            let millis = Int(writeTimeout * 1000)
            try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA busy_timeout = \(millis)")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = 5000") }
                try db.inTransaction(.immediate) {
                    try db.execute(
                        sql: "INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at",
                        arguments: [Int64(Date().timeIntervalSince1970 * 1000)])
                    return .commit
                }
            }
            checks["writable"] = "ok"
        } catch {
            checks["writable"] = "failed: \(Store.describe(error))"
        }
        return ReadinessReport(checks: checks)
    }
}
