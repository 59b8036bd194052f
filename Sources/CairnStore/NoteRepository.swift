import CairnCore
import Foundation
import GRDB

/// Per-user notes written by the `remember` tool.
///
/// ```swift
/// let notes = NoteRepository(store.pool)
/// try await notes.add(userID: user, content: "likes green tea", now: Date())
/// let found = try await notes.list(userID: user, filter: "tea", limit: 10)   // newest first
/// ```
public struct NoteRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func add(userID: UserID, content: String, now: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO notes (user_id, content, created_at) VALUES (?, ?, ?)", arguments: [userID, content, now.millis])
        }
    }

    /// The user's notes, newest first, optionally containing `filter` (case-insensitive).
    public func list(userID: UserID, filter: String?, limit: Int) async throws -> [String] {
        try await database.read { db in
            if let filter, !filter.isEmpty {
                return try String.fetchAll(
                    db, sql: "SELECT content FROM notes WHERE user_id = ? AND instr(lower(content), lower(?)) > 0 ORDER BY id DESC LIMIT ?",
                    arguments: [userID, filter, limit])
            }
            return try String.fetchAll(
                db, sql: "SELECT content FROM notes WHERE user_id = ? ORDER BY id DESC LIMIT ?", arguments: [userID, limit])
        }
    }
}
