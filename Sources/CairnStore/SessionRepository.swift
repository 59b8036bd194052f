import CairnCore
import Foundation
import GRDB

/// Sessions, refresh-token rotation and the access-token denylist.
///
/// ```swift
/// let sessions = SessionRepository(store.pool)
/// switch try await sessions.rotate(sessionID: id, presentedJTI: old, newJTI: new, presentedExpiresAt: expiry, now: Date()) {
/// case .rotated(let user): issueTokens(for: user, refreshJTI: new)
/// case .reuseDetected: break          // an old token came back: the session is now revoked
/// case .invalid: break
/// }
/// ```
public struct SessionRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func create(_ session: SessionRecord) async throws {
        try await database.write { db in
            try session.insert(db)
        }
    }

    /// Atomically rotates the session's refresh token, or detects reuse of an old one.
    public func rotate(sessionID: SessionID, presentedJTI: String, newJTI: String, presentedExpiresAt: Date, now: Date) async throws -> RefreshOutcome
    {
        try await database.write { db in
            guard let session = try SessionRecord.fetchOne(db, key: sessionID) else { return .invalid }
            if session.revokedAt != nil || session.expiresAt <= now { return .invalid }
            if session.refreshJTI == presentedJTI {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO used_refresh_tokens (jti, session_id, used_at, expires_at) VALUES (?, ?, ?, ?)",
                    arguments: [presentedJTI, sessionID, now.millis, presentedExpiresAt.millis])
                try db.execute(
                    sql: "UPDATE sessions SET refresh_jti = ?, last_used_at = ? WHERE id = ?",
                    arguments: [newJTI, now.millis, sessionID])
                return .rotated(userID: session.userID)
            }
            let used =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM used_refresh_tokens WHERE jti = ? AND session_id = ?)",
                    arguments: [presentedJTI, sessionID]) ?? false
            guard used else { return .invalid }
            try db.execute(
                sql: "UPDATE sessions SET revoked_at = ?, revoked_reason = 'refresh_reuse' WHERE id = ?",
                arguments: [now.millis, sessionID])
            return .reuseDetected(userID: session.userID)
        }
    }

    public func find(id: SessionID) async throws -> SessionRecord? {
        try await database.read { db in
            try SessionRecord.fetchOne(db, key: id)
        }
    }

    /// Whether the user signed in from `ip` at or after `since` (a client the account knows).
    public func hasSignedIn(userID: UserID, fromIP ip: String, since: Date) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM sessions WHERE user_id = ? AND ip = ? AND created_at >= ?)",
                arguments: [userID, ip, since.millis]) ?? false
        }
    }

    /// The user's sessions that are neither revoked nor expired, newest first.
    public func listLive(userID: UserID, now: Date) async throws -> [SessionRecord] {
        try await database.read { db in
            try SessionRecord.fetchAll(
                db, sql: "SELECT * FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY id DESC",
                arguments: [userID, now.millis])
        }
    }

    /// Revokes one of the user's sessions; false when it is not theirs or already ended.
    @discardableResult
    public func revoke(id: SessionID, userID: UserID, reason: String, now: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                arguments: [now.millis, reason, id, userID])
            return db.changesCount > 0
        }
    }

    /// Revokes every live session of the user except `keep`; returns how many ended.
    @discardableResult
    public func revokeAll(userID: UserID, except keep: SessionID? = nil, reason: String, now: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL AND id IS NOT ?",
                arguments: [now.millis, reason, userID, keep])
            return db.changesCount
        }
    }

    /// Denylists an access token until it would have expired anyway.
    public func revokeToken(jti: String, expiresAt: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)", arguments: [jti, expiresAt.millis])
        }
    }

    /// Everything needed to accept or reject an access token, in one read.
    public func accessState(userID: UserID, sessionID: SessionID?, jti: String, now: Date) async throws -> AccessState? {
        try await database.read { db in try Self.accessState(db, userID: userID, sessionID: sessionID, jti: jti, now: now) }
    }

    /// The states of many credentials in one read transaction (the WebSocket gateway checks all
    /// its sockets' sessions every second).
    public func accessStates(_ credentials: [(userID: UserID, sessionID: SessionID?, jti: String)], now: Date) async throws -> [AccessState?] {
        try await database.read { db in
            try credentials.map { try Self.accessState(db, userID: $0.userID, sessionID: $0.sessionID, jti: $0.jti, now: now) }
        }
    }

    static func accessState(_ db: Database, userID: UserID, sessionID: SessionID?, jti: String, now: Date) throws -> AccessState? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT u.role, u.status,
                           (SELECT COUNT(*) FROM sessions s WHERE s.id = ? AND s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > ?) AS live,
                           EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?) AS revoked
                    FROM users u WHERE u.id = ?
                    """, arguments: [sessionID, now.millis, jti, userID])
        else { return nil }
        return AccessState(
            role: try row.decode(forColumn: "role"), userActive: try row.decode(String.self, forColumn: "status") == "active",
            sessionLive: try row.decode(Int.self, forColumn: "live") > 0, tokenRevoked: try row.decode(forColumn: "revoked"))
    }

    /// Deletes denylist and used-token rows that can no longer matter.
    public func prune(now: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM revoked_tokens WHERE expires_at < ?", arguments: [now.millis])
            try db.execute(sql: "DELETE FROM used_refresh_tokens WHERE expires_at < ?", arguments: [now.millis])
        }
    }
}
