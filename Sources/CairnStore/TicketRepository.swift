import CairnCore
import Foundation
import GRDB

/// Single-use WebSocket tickets (stored hashed): a browser cannot send a bearer header on upgrade.
///
/// ```swift
/// let tickets = TicketRepository(store.pool)
/// try await tickets.create(hash: digest, userID: user, sessionID: nil, now: now, expiresAt: now.addingTimeInterval(60))
/// let owner = try await tickets.redeem(hash: digest, now: Date())   // once; nil when used or expired
/// ```
public struct TicketRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func create(hash: String, userID: UserID, sessionID: SessionID?, now: Date, expiresAt: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM ws_tickets WHERE expires_at < ?", arguments: [now.millis])
            try db.execute(
                sql: "INSERT INTO ws_tickets (ticket_hash, user_id, session_id, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [hash, userID, sessionID, expiresAt.millis])
        }
    }

    /// Marks the ticket used and returns (user id, session id) on its first use before expiry.
    public func redeem(hash: String, now: Date) async throws -> (userID: UserID, sessionID: SessionID?)? {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE ws_tickets SET used_at = ? WHERE ticket_hash = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [now.millis, hash, now.millis])
            guard db.changesCount == 1,
                let row = try Row.fetchOne(
                    db, sql: "SELECT user_id, session_id FROM ws_tickets WHERE ticket_hash = ?",
                    arguments: [hash])
            else { return nil }
            return (try row.decode(forColumn: "user_id"), try row.decode(forColumn: "session_id"))
        }
    }
}
