import CairnCore
import Foundation
import GRDB

/// Versioned agent definitions (JSON documents); every save makes a new version.
///
/// ```swift
/// let agents = AgentRepository(store.pool)
/// let version = try await agents.save(name: "helper", definition: json, by: admin.rawValue, now: Date())
/// let latest = try await agents.latest()          // [name: (version, definition)]
/// ```
public struct AgentRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    /// Saves a new version of `name` and returns its number.
    public func save(name: String, definition: String, by actor: String?, now: Date) async throws -> Int {
        try await database.write { db in
            let current = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM agents WHERE name = ?", arguments: [name]) ?? 0
            try db.execute(
                sql: "INSERT INTO agents (name, version, definition, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, current + 1, definition, now.millis, actor])
            return current + 1
        }
    }

    /// The newest version of every stored agent: name → (version, definition JSON).
    public func latest() async throws -> [String: (version: Int, definition: String)] {
        try await database.read { db in
            var result: [String: (Int, String)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT a.name, a.version, a.definition FROM agents a
                    WHERE a.version = (SELECT MAX(version) FROM agents b WHERE b.name = a.name)
                    """)
            {
                result[try row.decode(atIndex: 0)] = (try row.decode(atIndex: 1), try row.decode(atIndex: 2))
            }
            return result
        }
    }
}
