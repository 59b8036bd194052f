import CairnCore
import Foundation
import GRDB

/// Sign-in providers, the single-use state of each sign-in under way, one-time login codes
/// and the provider identities linked to users.
///
/// ```swift
/// let providers = SignInProviderRepository(store.pool)
/// try await providers.saveState(hash: digest, state, expires: now.addingTimeInterval(600))
/// let state = try await providers.takeState(hash: digest, now: Date())     // once; nil afterwards
/// let user = try await providers.linkedUser(provider: "google", subject: subject)
/// ```
public struct SignInProviderRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func all() async throws -> [SignInProviderRecord] {
        try await database.read { db in try SignInProviderRecord.order(Column("id")).fetchAll(db) }
    }

    public func find(_ id: String) async throws -> SignInProviderRecord? {
        try await database.read { db in
            try SignInProviderRecord.fetchOne(db, key: id)
        }
    }

    /// Creates or replaces; returns the previous record.
    public func save(_ record: SignInProviderRecord) async throws -> SignInProviderRecord? {
        try await database.write { db in
            let previous = try SignInProviderRecord.fetchOne(db, key: record.id)
            try record.upsert(db)
            return previous
        }
    }

    public func delete(_ id: String) async throws -> Bool {
        try await database.write { db in
            try SignInProviderRecord.deleteOne(db, key: id)
        }
    }

    public func saveState(hash: String, _ state: OAuthState, expires: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM oauth_states WHERE expires_at < ?", arguments: [Date().millis])
            try db.execute(
                sql: """
                    INSERT INTO oauth_states (state_hash, provider, code_verifier, nonce, redirect, browser_hash, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [hash, state.provider, state.codeVerifier, state.nonce, state.redirect, state.browserHash, expires.millis])
        }
    }

    /// The state, removed as it is read (single use); nil when unknown or expired.
    public func takeState(hash: String, now: Date) async throws -> OAuthState? {
        try await database.write { db in
            guard let row = try Row.fetchOne(db, sql: "DELETE FROM oauth_states WHERE state_hash = ? RETURNING *", arguments: [hash]),
                try row.decode(Int64.self, forColumn: "expires_at") > now.millis
            else { return nil }
            return try OAuthState(row: row)
        }
    }

    public func saveLoginCode(hash: String, user: UserID, provider: String, expires: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM login_codes WHERE expires_at < ?", arguments: [Date().millis])
            try db.execute(
                sql: "INSERT INTO login_codes (code_hash, user_id, provider, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [hash, user, provider, expires.millis])
        }
    }

    /// The code's user and provider, removed as it is read (single use); nil when unknown or expired.
    public func takeLoginCode(hash: String, now: Date) async throws -> (user: UserID, provider: String)? {
        try await database.write { db in
            guard let row = try Row.fetchOne(db, sql: "DELETE FROM login_codes WHERE code_hash = ? RETURNING *", arguments: [hash]),
                try row.decode(Int64.self, forColumn: "expires_at") > now.millis
            else { return nil }
            return (try row.decode(forColumn: "user_id"), try row.decode(forColumn: "provider"))
        }
    }

    public func linkedUser(provider: String, subject: String) async throws -> UserID? {
        try await database.read { db in
            try UserID.fetchOne(db, sql: "SELECT user_id FROM user_identities WHERE provider = ? AND subject = ?", arguments: [provider, subject])
        }
    }

    public func link(provider: String, subject: String, user: UserID, email: String?, at now: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO user_identities (provider, subject, user_id, email, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [provider, subject, user, email, now.millis])
        }
    }
}
