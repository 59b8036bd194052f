import CairnCore
import CairnStore
import Crypto
import Foundation

/// Personal API keys: `cairn_<key id>_<secret>`, shown once, stored as a SHA-256 digest (the
/// secret is 32 random bytes, so a slow hash adds nothing). A key acts for its owner within its
/// scopes, never reaches `/api/admin`, and stops working when revoked, expired or when the
/// owner is disabled.
extension AuthService {
    /// What every key starts with.
    public static let apiKeyPrefix = "cairn_"
    /// The longest lifetime a key may be given.
    public static let apiKeyMaxDays = 3650

    /// A new key for the caller. Returns the record and the full key, which is never shown again.
    ///
    ///     let (record, key) = try await auth.createAPIKey(for: principal, name: "ci", expiresInDays: 30, scopes: [.read], origin: origin)
    public func createAPIKey(
        for principal: Principal, name: String, expiresInDays: Int?, scopes: Set<APIKeyScope>,
        origin: RequestOrigin
    ) async throws -> (record: APIKeyRecord, key: String) {
        guard !principal.isAPIKey else { throw CairnError(.forbidden, "an API key cannot create API keys; sign in with your password") }
        let now = clock.now()
        let id = APIKeyID.generate(now: now)
        let secret = Base64URL.random(bytes: 32)
        let key = Self.apiKeyPrefix + id.rawValue + "_" + secret
        let record = APIKeyRecord(
            id: id, userID: principal.userID, name: name, prefix: String(key.prefix(Self.apiKeyPrefix.count + 12)),
            secretHash: Self.digest(secret), scopes: APIKeyScope.allCases.filter(scopes.contains).map(\.rawValue),
            createdAt: now, expiresAt: expiresInDays.map { now.addingTimeInterval(Double($0) * 86_400) })
        guard try await apiKeys.create(record, now: now) else {
            throw CairnError(.conflict, "you already have \(APIKeyRepository.maxPerUser) keys; revoke one first")
        }
        await audit.record(
            "auth.api_key_created", actor: principal.userID.rawValue, target: id.rawValue, origin: origin,
            details: [
                "name": name, "scopes": record.scopes.joined(separator: " "),
                "expires_at": record.expiresAt.map(UTCTimestamp.format) ?? "never",
            ])
        return (record, key)
    }

    public func listAPIKeys(of principal: Principal) async throws -> [APIKeyRecord] {
        try await apiKeys.list(userID: principal.userID)
    }

    /// Revokes one of the caller's keys at once (404 for another user's key).
    public func revokeAPIKey(_ id: APIKeyID, by principal: Principal, origin: RequestOrigin) async throws {
        guard try await apiKeys.revoke(id: id, userID: principal.userID, now: clock.now()) else { throw CairnError.notFound("API key") }
        await audit.record("auth.api_key_revoked", actor: principal.userID.rawValue, target: id.rawValue, origin: origin)
    }

    /// Any user's live keys (the console's Users page).
    public func listAPIKeys(of user: UserID) async throws -> [APIKeyRecord] {
        try await apiKeys.list(userID: user)
    }

    /// An administrator revokes one of a user's keys.
    public func revokeAPIKey(_ id: APIKeyID, of user: UserID, by admin: Principal, origin: RequestOrigin) async throws {
        guard try await apiKeys.revoke(id: id, userID: user, now: clock.now()) else { throw CairnError.notFound("API key") }
        await audit.record(
            "admin.api_key_revoked", actor: admin.userID.rawValue, target: id.rawValue, origin: origin, details: ["user": user.rawValue])
    }

    /// The principal of a `cairn_…` key, or 401.
    func authenticate(apiKey token: String) async throws -> Principal {
        let invalid = CairnError(.unauthenticated, "invalid, revoked or expired API key")
        let body = token.dropFirst(Self.apiKeyPrefix.count)
        // key_ + 26 characters, then _ and the secret.
        guard token.utf8.count < 200, body.count > 31, let id = APIKeyID(String(body.prefix(30))),
            body.dropFirst(30).first == "_"
        else { throw invalid }
        let secret = String(body.dropFirst(31))
        let now = clock.now()
        let found = try await apiKeys.lookup(id: id)
        // A revoked key that is still in use is worth knowing about (once a minute per key).
        if let found, found.key.revokedAt != nil, Self.constantTimeEqual(Self.digest(secret), found.key.secretHash),
            limiter.attempt("revoked-key:\(id.rawValue)", limit: 1, window: 60) == nil
        {
            await audit.record(
                "auth.api_key_revoked_used", actor: nil, target: id.rawValue, origin: .init(ip: nil, userAgent: nil),
                details: ["user": found.key.userID.rawValue])
        }
        guard let found, found.key.revokedAt == nil, found.userActive,
            found.key.expiresAt.map({ $0 > now }) ?? true,
            Self.constantTimeEqual(Self.digest(secret), found.key.secretHash)
        else { throw invalid }
        // `last_used_at` is written at most once a minute per key.
        if found.key.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try? await apiKeys.touch(id: id, at: now)
        }
        return Principal(
            userID: found.key.userID, sessionID: nil, role: found.role, authMethod: .apiKey, apiKeyID: id,
            scopes: Set(found.key.scopes.compactMap(APIKeyScope.init)))
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
