import CairnCore
import Foundation
import GRDB

/// Sign-in providers, the single-use state of each sign-in under way, one-time login codes
/// and the provider identities linked to users.
///
/// ```swift
/// let providers = SignInProviderRepository(store: store)
/// try await providers.saveState(hash: digest, state, expires: now.addingTimeInterval(600))
/// let state = try await providers.takeState(hash: digest, now: Date())     // once; nil afterwards
/// let user = try await providers.linkedUser(provider: "google", subject: subject)
/// ```
public struct SignInProviderRepository: Sendable {
    let store: Store
    public init(store: Store) { self.store = store }

    public func all() async throws -> [SignInProviderRecord] {
        try await store.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM auth_providers ORDER BY id").map(SignInProviderRecord.init(row:)) }
    }

    public func find(_ id: String) async throws -> SignInProviderRecord? {
        try await store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM auth_providers WHERE id = ?", arguments: [id]).map(SignInProviderRecord.init(row:))
        }
    }

    /// Creates or replaces; returns the previous record.
    public func save(_ record: SignInProviderRecord) async throws -> SignInProviderRecord? {
        try await store.pool.write { db in
            let previous = try Row.fetchOne(db, sql: "SELECT * FROM auth_providers WHERE id = ?", arguments: [record.id]).map(
                SignInProviderRecord.init(row:))
            try db.execute(
                sql: """
                    INSERT INTO auth_providers (id, type, name, issuer, client_id, client_secret, scopes, updated_at, updated_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET type = excluded.type, name = excluded.name, issuer = excluded.issuer,
                        client_id = excluded.client_id, client_secret = excluded.client_secret, scopes = excluded.scopes,
                        updated_at = excluded.updated_at, updated_by = excluded.updated_by
                    """,
                arguments: [
                    record.id, record.type, record.name, record.issuer, record.clientID, record.clientSecret,
                    record.scopes.joined(separator: " "), record.updatedAt.millis, record.updatedBy,
                ])
            return previous
        }
    }

    public func delete(_ id: String) async throws -> Bool {
        try await store.pool.write { db in
            try db.execute(sql: "DELETE FROM auth_providers WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func saveState(hash: String, _ state: OAuthState, expires: Date) async throws {
        try await store.pool.write { db in
            try db.execute(sql: "DELETE FROM oauth_states WHERE expires_at < ?", arguments: [Date().millis])
            try db.execute(
                sql: """
                    INSERT INTO oauth_states (state_hash, provider, code_verifier, nonce, redirect, browser_hash, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [hash, state.provider, state.codeVerifier, state.nonce, state.redirect, state.browserHash, expires.millis])
        }
    }

    /// The state, removed as it is read (single use); nil when unknown or expired.
    public func takeState(hash: String, now: Date) async throws -> OAuthState? {
        try await store.pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "DELETE FROM oauth_states WHERE state_hash = ? RETURNING *", arguments: [hash]),
                (row["expires_at"] as Int64) > now.millis
            else { return nil }
            return OAuthState(
                provider: row["provider"], codeVerifier: row["code_verifier"], nonce: row["nonce"], redirect: row["redirect"],
                browserHash: row["browser_hash"])
        }
    }

    public func saveLoginCode(hash: String, user: UserID, provider: String, expires: Date) async throws {
        try await store.pool.write { db in
            try db.execute(sql: "DELETE FROM login_codes WHERE expires_at < ?", arguments: [Date().millis])
            try db.execute(
                sql: "INSERT INTO login_codes (code_hash, user_id, provider, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [hash, user.rawValue, provider, expires.millis])
        }
    }

    /// The code's user and provider, removed as it is read (single use); nil when unknown or expired.
    public func takeLoginCode(hash: String, now: Date) async throws -> (user: UserID, provider: String)? {
        try await store.pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "DELETE FROM login_codes WHERE code_hash = ? RETURNING *", arguments: [hash]),
                (row["expires_at"] as Int64) > now.millis, let user = UserID(row["user_id"])
            else { return nil }
            return (user, row["provider"])
        }
    }

    public func linkedUser(provider: String, subject: String) async throws -> UserID? {
        try await store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT user_id FROM user_identities WHERE provider = ? AND subject = ?", arguments: [provider, subject])
                .flatMap(UserID.init)
        }
    }

    public func link(provider: String, subject: String, user: UserID, email: String?, at now: Date) async throws {
        try await store.pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO user_identities (provider, subject, user_id, email, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [provider, subject, user.rawValue, email, now.millis])
        }
    }
}
