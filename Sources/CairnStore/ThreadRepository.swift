import CairnCore
import Foundation
import GRDB

/// Threads and messages. Every query takes the owner: another user's thread is simply absent.
///
/// ```swift
/// let threads = ThreadRepository(store.pool)
/// let thread = try await threads.createThread(id: .generate(), userID: user, title: "Trip", agent: "assistant", now: Date())
/// let mine = try await threads.thread(id: thread.id, userID: user)        // nil for any other user
/// let page = try await threads.messages(threadID: thread.id, userID: user, after: nil, limit: 50)
/// ```
public struct ThreadRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func createThread(id: ThreadID, userID: UserID, title: String, agent: String, now: Date) async throws -> ThreadRecord {
        try await database.write { db in
            try Self.insertThread(db, id: id, userID: userID, title: title, agent: agent, now: now)
        }
    }

    @discardableResult
    static func insertThread(_ db: Database, id: ThreadID, userID: UserID, title: String, agent: String, now: Date) throws -> ThreadRecord {
        let stored = Date(millis: now.millis)
        // Every new thread's first run passes here: a cached statement with plain-text
        // arguments, not the record's Codable insert (see `RunRepository.create`).
        try db.cachedStatement(sql: "INSERT INTO threads (id, user_id, title, agent, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [id.rawValue, userID.rawValue, title, agent, stored.millis, stored.millis])
        return ThreadRecord(
            id: id, userID: userID, title: title, agent: agent, archived: false, messageCount: 0, createdAt: stored, updatedAt: stored)
    }

    /// Read on every run: a cached statement (a query-interface request would build its SQL each time).
    static func thread(_ db: Database, id: ThreadID, userID: UserID) throws -> ThreadRecord? {
        try ThreadRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM threads WHERE id = ? AND user_id = ? AND archived = 0"),
            arguments: [id.rawValue, userID.rawValue])
    }

    public func thread(id: ThreadID, userID: UserID) async throws -> ThreadRecord? {
        try await database.read { db in try Self.thread(db, id: id, userID: userID) }
    }

    /// The user's unarchived threads, most recently active first; `before` pages by (updated_at, id).
    public func threads(userID: UserID, limit: Int, before: (Date, ThreadID)?) async throws -> [ThreadRecord] {
        try await database.read { db in
            var sql = "SELECT * FROM threads WHERE user_id = ? AND archived = 0"
            var arguments: StatementArguments = [userID]
            if let (updated, id) = before {
                sql += " AND (updated_at < ? OR (updated_at = ? AND id < ?))"
                arguments += [updated.millis, updated.millis, id]
            }
            sql += " ORDER BY updated_at DESC, id DESC LIMIT ?"
            arguments += [limit]
            return try ThreadRecord.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    public func rename(id: ThreadID, userID: UserID, title: String, now: Date) async throws -> ThreadRecord? {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE threads SET title = ?, updated_at = ? WHERE id = ? AND user_id = ? AND archived = 0",
                arguments: [title, now.millis, id, userID])
            return try Self.thread(db, id: id, userID: userID)
        }
    }

    public func archive(id: ThreadID, userID: UserID, now: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE threads SET archived = 1, updated_at = ? WHERE id = ? AND user_id = ? AND archived = 0",
                arguments: [now.millis, id, userID])
            return db.changesCount > 0
        }
    }

    static func insertMessage(_ db: Database, _ message: MessageRecord, userID: UserID) throws {
        try db.cachedStatement(
            sql: "INSERT INTO messages (id, thread_id, user_id, role, content, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            message.id.rawValue, message.threadID.rawValue, userID.rawValue, message.role.rawValue, message.content, message.runID?.rawValue,
            message.createdAt.millis,
        ])
        try db.cachedStatement(sql: "UPDATE threads SET message_count = message_count + 1, updated_at = ? WHERE id = ?")
            .execute(arguments: [message.createdAt.millis, message.threadID.rawValue])
    }

    /// Messages of the user's thread, oldest first, after `after` when paging.
    public func messages(threadID: ThreadID, userID: UserID, after: MessageID?, limit: Int) async throws -> [MessageRecord] {
        try await database.read { db in
            var sql = "SELECT m.* FROM messages m JOIN threads t ON t.id = m.thread_id WHERE m.thread_id = ? AND t.user_id = ?"
            var arguments: StatementArguments = [threadID, userID]
            if let after {
                sql += " AND m.id > ?"
                arguments += [after]
            }
            sql += " ORDER BY m.id LIMIT ?"
            arguments += [limit]
            return try MessageRecord.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// The thread's last `limit` messages, oldest first (a model's context, read without the rest).
    public func recentMessages(threadID: ThreadID, userID: UserID, limit: Int) async throws -> [MessageRecord] {
        try await database.read { db in
            // Read at the start of every run: a cached statement.
            try MessageRecord.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM (SELECT m.* FROM messages m JOIN threads t ON t.id = m.thread_id
                                       WHERE m.thread_id = ? AND t.user_id = ? ORDER BY m.id DESC LIMIT ?) ORDER BY id
                        """), arguments: [threadID.rawValue, userID.rawValue, limit])
        }
    }

    /// Full-text search over the user's own messages, best match first.
    public func search(userID: UserID, query: String, limit: Int) async throws -> [MessageRecord] {
        let terms = query.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).prefix(16)
        guard !terms.isEmpty else { return [] }
        // Each term quoted, so user input can never be FTS5 syntax.
        let match = terms.map { "\"\($0)\"" }.joined(separator: " ")
        return try await database.read { db in
            try MessageRecord.fetchAll(
                db,
                sql: """
                    SELECT m.* FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
                    JOIN threads t ON t.id = m.thread_id
                    WHERE messages_fts MATCH ? AND m.user_id = ? AND t.archived = 0
                    ORDER BY f.rank LIMIT ?
                    """, arguments: [match, userID, limit])
        }
    }
}
