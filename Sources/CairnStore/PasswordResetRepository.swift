import CairnCore
import Foundation
import GRDB

/// One-time password-reset links an administrator issues; only a digest of each is stored.
///
/// ```swift
/// let resets = PasswordResetRepository(store.pool)
/// try await resets.insert(digest: digest, user: user, by: admin.rawValue, at: now, expires: now.addingTimeInterval(3600))
/// let owner = try await resets.consume(digest: digest, at: Date())   // once; nil when used, expired or unknown
/// ```
public struct PasswordResetRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func insert(digest: String, user: UserID, by admin: String?, at now: Date, expires: Date) async throws {
        try await database.write { db in
            // A new link replaces the user's earlier unused ones.
            try db.execute(sql: "DELETE FROM password_resets WHERE user_id = ? AND used_at IS NULL", arguments: [user])
            try db.execute(
                sql: "INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [digest, user, admin, now.millis, expires.millis])
        }
    }

    /// The user of a live (unused, unexpired) link, without spending it.
    public func peek(digest: String, at now: Date) async throws -> UserID? {
        try await database.read { db in
            try UserID.fetchOne(
                db, sql: "SELECT user_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [digest, now.millis])
        }
    }

    /// Marks the link used and returns its user, or nil when it is unknown, used or expired.
    /// Single use even under concurrent attempts: the update is the check.
    public func consume(digest: String, at now: Date) async throws -> UserID? {
        try await database.write { db in
            try UserID.fetchOne(
                db,
                sql: """
                    UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id
                    """, arguments: [now.millis, digest, now.millis])
        }
    }
}
