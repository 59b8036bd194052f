import CairnCore
import Foundation
import GRDB

/// Signing keys: the newest unretired key signs; retired keys verify until their tokens expire.
///
/// ```swift
/// let keys = SigningKeyRepository(store.pool)
/// try await keys.rotate(to: newKey)                      // retires the others in the same transaction
/// let all = try await keys.all()
/// try await keys.prune(retiredBefore: cutoff)
/// ```
public struct SigningKeyRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func all() async throws -> [SigningKeyRecord] {
        try await database.read { db in
            try SigningKeyRecord.order(Column("created_at"), Column("kid")).fetchAll(db)
        }
    }

    /// Adds `key` as the signing key, retiring every other active key, in one transaction.
    public func rotate(to key: SigningKeyRecord) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL", arguments: [key.createdAt.millis])
            try key.insert(db)
        }
    }

    /// Inserts `key` only when no active key exists (first start, possibly racing another process).
    public func insertIfNoneActive(_ key: SigningKeyRecord) async throws {
        try await database.write { db in
            let active = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM signing_keys WHERE retired_at IS NULL)") ?? false
            if !active { try key.insert(db) }
        }
    }

    /// Removes retired keys that can no longer have valid tokens.
    public func prune(retiredBefore cutoff: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?", arguments: [cutoff.millis])
        }
    }
}
