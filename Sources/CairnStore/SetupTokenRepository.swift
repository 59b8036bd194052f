import CairnCore
import Foundation
import GRDB

/// One-time tokens that let the first visitor create the administrator. Stored hashed.
///
/// ```swift
/// let setup = SetupTokenRepository(store.pool)
/// try await setup.create(hash: digest, expiresAt: now.addingTimeInterval(3600))
/// let accepted = try await setup.consume(hash: digest, now: Date())   // true only the first time
/// ```
public struct SetupTokenRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func create(hash: String, expiresAt: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT INTO setup_tokens (token_hash, expires_at) VALUES (?, ?)", arguments: [hash, expiresAt.millis])
        }
    }

    /// Marks the token used; true only for the first use of an unexpired token.
    public func consume(hash: String, now: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [now.millis, hash, now.millis])
            return db.changesCount == 1
        }
    }
}
