import Foundation
import GRDB

/// Runtime settings edited from the console: the top layer of the configuration cascade.
public struct SettingsRepository: Sendable {
    let store: Store
    public init(store: Store) { self.store = store }

    /// Every stored runtime setting as key → raw string value.
    public func all() throws -> [String: String] {
        try store.pool.read { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM settings") {
                result[row["key"]] = row["value"]
            }
            return result
        }
    }

    public func set(_ key: String, _ value: String, by actor: String?, at: Date = Date()) throws {
        try store.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET value = excluded.value,
                        updated_at = excluded.updated_at, updated_by = excluded.updated_by
                    """,
                arguments: [key, value, at.millis, actor])
        }
    }

    public func remove(_ key: String) throws {
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [key])
        }
    }
}

extension Date {
    /// Milliseconds since 1970, the storage form of every timestamp.
    /// Never traps: a date beyond what 64-bit milliseconds hold (one built from a client's number)
    /// is clamped to the nearest end.
    public var millis: Int64 {
        let value = (timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return value > 0 ? .max : value < 0 ? .min : 0 }
        return Int64(exactly: value) ?? (value > 0 ? .max : .min)
    }
    public init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
