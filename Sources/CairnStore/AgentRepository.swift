import CairnCore
import Foundation
import GRDB

/// Versioned agent definitions (JSON documents); every save makes a new version.
///
/// ```swift
/// let agents = AgentRepository(store: store)
/// let version = try await agents.save(name: "helper", definition: json, by: admin.rawValue, now: Date())
/// let latest = try await agents.latest()          // [name: (version, definition)]
/// ```
public struct AgentRepository: Sendable {
    let store: Store
    public init(store: Store) { self.store = store }

    /// Saves a new version of `name` and returns its number.
    public func save(name: String, definition: String, by actor: String?, now: Date) async throws -> Int {
        try await store.pool.write { db in
            let current = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM agents WHERE name = ?", arguments: [name]) ?? 0
            try db.execute(
                sql: "INSERT INTO agents (name, version, definition, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, current + 1, definition, now.millis, actor])
            return current + 1
        }
    }

    /// The newest version of every stored agent: name → (version, definition JSON).
    public func latest() async throws -> [String: (version: Int, definition: String)] {
        try await store.pool.read { db in
            var result: [String: (Int, String)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT a.name, a.version, a.definition FROM agents a
                    WHERE a.version = (SELECT MAX(version) FROM agents b WHERE b.name = a.name)
                    """)
            {
                result[row["name"]] = (row["version"], row["definition"])
            }
            return result
        }
    }
}
