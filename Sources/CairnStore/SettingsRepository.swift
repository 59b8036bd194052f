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
