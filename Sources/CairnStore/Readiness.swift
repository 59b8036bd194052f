import Foundation
import GRDB

/// The outcome of one readiness check (`/readyz`).
public struct ReadinessReport: Sendable {
    public var checks: [String: String]
    public var ready: Bool { checks.values.allSatisfy { $0 == "ok" } }
}

extension Store {
    /// Free space below which the database is reported not ready: a write may fail any moment.
    public static let minimumFreeBytes: UInt64 = 1 << 20

    /// "ok" when the data directory's filesystem has room for writes.
    static func diskCheck(directory: String) -> String {
        guard let free = freeBytes(directory: directory) else { return "unknown" }
        return free >= minimumFreeBytes ? "ok" : "low: \(free / 1024) KiB free"
    }

    /// The database file's size (or its WAL's, with `suffix: "-wal"`); 0 when absent.
    public func fileBytes(suffix: String = "") -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path + suffix))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Bytes available to this process on the filesystem holding `directory`, or nil when unknown.
    public static func freeBytes(directory: String) -> UInt64? {
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else { return nil }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
    }

    /// Checks that the database is open, fully migrated and could take a write (without writing), waiting at most
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
            // Take the write lock and give it back: proves a writer could write, writes nothing.
            let millis = Int(writeTimeout * 1000)
            try await probe.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA busy_timeout = \(millis)")
                try db.inTransaction(.immediate) { .rollback }
            }
            checks["writable"] = "ok"
        } catch {
            checks["writable"] = "failed: \(Store.describe(error))"
        }
        checks["disk"] = Self.diskCheck(directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        return ReadinessReport(checks: checks)
    }
}
