import CairnCore
import Foundation
import GRDB

/// Signing keys: the newest unretired key signs; retired keys verify until their tokens expire.
///
/// ```swift
/// let keys = SigningKeyRepository(store: store)
/// try await keys.rotate(to: newKey)                      // retires the others in the same transaction
/// let all = try await keys.all()
/// try await keys.prune(retiredBefore: cutoff)
/// ```
public struct SigningKeyRepository: Sendable {
    let store: Store
    public init(store: Store) { self.store = store }

    public func all() async throws -> [SigningKeyRecord] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM signing_keys ORDER BY created_at, kid").map { row in
                SigningKeyRecord(
                    kid: row["kid"], algorithm: row["algorithm"], privateKey: row["private_key"],
                    createdAt: Date(millis: row["created_at"]),
                    retiredAt: (row["retired_at"] as Int64?).map(Date.init(millis:)))
            }
        }
    }

    /// Adds `key` as the signing key, retiring every other active key, in one transaction.
    public func rotate(to key: SigningKeyRecord) async throws {
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL", arguments: [key.createdAt.millis])
            try db.execute(
                sql: "INSERT INTO signing_keys (kid, algorithm, private_key, created_at) VALUES (?, ?, ?, ?)",
                arguments: [key.kid, key.algorithm, key.privateKey, key.createdAt.millis])
        }
    }

    /// Inserts `key` only when no active key exists (first start, possibly racing another process).
    public func insertIfNoneActive(_ key: SigningKeyRecord) async throws {
        try await store.pool.write { db in
            let active = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM signing_keys WHERE retired_at IS NULL)") ?? false
            if !active {
                try db.execute(
                    sql: "INSERT INTO signing_keys (kid, algorithm, private_key, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [key.kid, key.algorithm, key.privateKey, key.createdAt.millis])
            }
        }
    }

    /// Removes retired keys that can no longer have valid tokens.
    public func prune(retiredBefore cutoff: Date) async throws {
        try await store.pool.write { db in
            try db.execute(sql: "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?", arguments: [cutoff.millis])
        }
    }
}
