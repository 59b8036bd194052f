import CairnCore
import Foundation
import GRDB

/// Personal API keys: create, list, revoke, and the lookup a request makes.
///
/// ```swift
/// let keys = APIKeyRepository(store.pool)
/// let created = try await keys.create(record, now: Date())      // false: the user has maxPerUser keys
/// let found = try await keys.lookup(id: keyID)                  // (key, role, userActive), nil when unknown
/// _ = try await keys.revoke(id: keyID, userID: owner, now: Date())
/// ```
public struct APIKeyRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    /// The most live keys one user may hold.
    public static let maxPerUser = 50

    /// Stores a new key; false when the user already holds `maxPerUser` live keys.
    public func create(_ key: APIKeyRecord, now: Date) async throws -> Bool {
        try await database.write { db in
            let live =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM api_keys WHERE user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
                        """, arguments: [key.userID, now.millis]) ?? 0
            guard live < Self.maxPerUser else { return false }
            try key.insert(db)
            return true
        }
    }

    /// The user's keys that are not revoked, newest first (expired ones included, marked by their date).
    public func list(userID: UserID) async throws -> [APIKeyRecord] {
        try await database.read { db in
            try APIKeyRecord.fetchAll(
                db, sql: "SELECT * FROM api_keys WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC", arguments: [userID])
        }
    }

    /// Revokes one of the user's keys; false when there is no such live key.
    public func revoke(id: APIKeyID, userID: UserID, now: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                arguments: [now.millis, id, userID])
            return db.changesCount > 0
        }
    }

    /// Revokes every key of a user (disabled accounts); returns how many.
    public func revokeAll(userID: UserID, now: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", arguments: [now.millis, userID])
            return db.changesCount
        }
    }

    /// A key with its owner's role and status, for authentication.
    public func lookup(id: APIKeyID) async throws -> (key: APIKeyRecord, role: Role, userActive: Bool)? {
        try await database.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT k.*, u.role AS user_role, u.status AS user_status FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?
                        """, arguments: [id])
            else { return nil }
            return (
                try APIKeyRecord(row: row), try row.decode(forColumn: "user_role"), try row.decode(String.self, forColumn: "user_status") == "active"
            )
        }
    }

    /// Which of these keys still work (live, unexpired, owner active), in one read.
    public func stillValid(_ ids: [APIKeyID], now: Date) async throws -> [Bool] {
        try await database.read { db in
            try ids.map { id in
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS(SELECT 1 FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ? AND k.revoked_at IS NULL
                            AND (k.expires_at IS NULL OR k.expires_at > ?) AND u.status = 'active')
                        """, arguments: [id, now.millis]) ?? false
            }
        }
    }

    /// Records use (the caller throttles how often).
    public func touch(id: APIKeyID, at now: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [now.millis, id])
        }
    }
}
