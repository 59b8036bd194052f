import CairnCore
import CairnStore
import Foundation
import JWTKit

/// Token issuance and verification with Ed25519 keys kept in the database.
///
/// ```swift
/// let tokens = TokenService(
///     repository: SigningKeyRepository(store.pool), clock: SystemClock(),
///     options: .init(issuer: "cairn", audience: "cairn", leeway: 30, maximumLifetime: 1_209_600))
/// try await tokens.prepare()      // creates the first key when the database has none
/// let issued = try await tokens.issue(.access, userID: user, sessionID: session, role: .user, lifetime: 900)
/// let verified = try await tokens.verify(issued.token, as: .access)
/// ```
public actor TokenService {
    public struct Options: Sendable {
        public var issuer: String
        public var audience: String
        public var leeway: TimeInterval
        /// The longest any token lives; retired keys stay trusted this long.
        public var maximumLifetime: TimeInterval

        public init(issuer: String, audience: String, leeway: TimeInterval, maximumLifetime: TimeInterval) {
            self.issuer = issuer
            self.audience = audience
            self.leeway = leeway
            self.maximumLifetime = maximumLifetime
        }
    }

    static let algorithm = "EdDSA"
    static let maximumTokenLength = 8192
    static let reloadInterval: TimeInterval = 5

    private let repository: SigningKeyRepository
    private let clock: any WallClock
    private let options: Options
    private var keys = JWTKeyCollection()
    private var signingKid: String?
    private var trusted: [String: SigningKeyRecord] = [:]
    private var lastReload = Date.distantPast

    public init(repository: SigningKeyRepository, clock: any WallClock, options: Options) {
        self.repository = repository
        self.clock = clock
        self.options = options
    }

    /// Loads keys, creating the first one when the database has none.
    public func prepare() async throws {
        let records = try await repository.all()
        if !records.contains(where: { $0.retiredAt == nil }) {
            try await repository.insertIfNoneActive(Self.newKey(now: clock.now()))
        }
        try await reload()
    }

    /// Makes a new signing key; the old ones keep verifying until their tokens expire. Returns the new kid.
    @discardableResult
    public func rotate() async throws -> String {
        let key = try Self.newKey(now: clock.now())
        try await repository.rotate(to: key)
        try await reload()
        return key.kid
    }

    public func issue(_ type: TokenType, userID: UserID, sessionID: SessionID, role: Role, lifetime: TimeInterval, jti: String? = nil) async throws
        -> IssuedToken
    {
        try await reloadIfStale()
        guard let kid = signingKid else { throw CairnError(.internal, "no signing key") }
        let now = clock.now()
        let jti = jti ?? TokenID.generate(now: now).rawValue
        let expiresAt = now.addingTimeInterval(lifetime)
        let claims = TokenClaims(
            iss: .init(value: options.issuer), aud: .init(value: [options.audience]), sub: .init(value: userID.rawValue),
            sid: sessionID.rawValue, jti: .init(value: jti), iat: .init(value: now), nbf: .init(value: now),
            exp: .init(value: expiresAt), typ: type.rawValue, role: role.rawValue)
        let token = try await keys.sign(claims, kid: JWKIdentifier(string: kid))
        return IssuedToken(token: token, jti: jti, expiresAt: expiresAt)
    }

    /// Verifies structure, header, signature and every claim; any failure is `unauthenticated`.
    public func verify(_ token: String, as expected: TokenType) async throws(CairnError) -> VerifiedToken {
        let invalid = CairnError(.unauthenticated, "invalid or expired token")
        guard !token.isEmpty, token.utf8.count <= Self.maximumTokenLength else { throw invalid }
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, segments.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(Base64URL.isAlphabet) }) else { throw invalid }
        guard let headerData = Base64URL.decode(segments[0]),
            let header = try? JSONDecoder().decode(Header.self, from: headerData),
            header.alg == Self.algorithm, let kid = header.kid
        else { throw invalid }
        if trusted[kid] == nil { try? await reloadIfStale() }
        guard let key = trusted[kid] else { throw invalid }
        let now = clock.now()
        if let retired = key.retiredAt, now.timeIntervalSince(retired) > options.maximumLifetime + options.leeway { throw invalid }
        let claims: TokenClaims
        do {
            claims = try await keys.verify(token, as: TokenClaims.self)
        } catch {
            throw invalid
        }
        guard claims.iss.value == options.issuer,
            claims.aud.value.contains(options.audience),
            claims.typ == expected.rawValue,
            claims.exp.value.addingTimeInterval(options.leeway) > now,
            claims.nbf.value.addingTimeInterval(-options.leeway) <= now,
            claims.iat.value.addingTimeInterval(-options.leeway) <= now,
            let userID = UserID(claims.sub.value),
            let sessionID = SessionID(claims.sid),
            TokenID(claims.jti.value) != nil
        else { throw invalid }
        return VerifiedToken(
            type: expected, userID: userID, sessionID: sessionID, jti: claims.jti.value,
            role: claims.role, expiresAt: claims.exp.value)
    }

    /// The public keys that verify Cairn tokens, as a JWK Set document.
    public func jwks() async throws -> Data {
        try await reloadIfStale()
        let jwks = try trusted.values.sorted { $0.createdAt < $1.createdAt }.map { record in
            let key = try EdDSA.PrivateKey(d: Base64URL.encode(record.privateKey), curve: .ed25519)
            return JWK.octetKeyPair(
                .eddsa, identifier: JWKIdentifier(string: record.kid),
                x: Base64URL.encode(key.publicKey.rawRepresentation), y: nil, curve: .ed25519)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(JWKS(keys: jwks))
    }

    /// Keys may be rotated by another process (`cairn admin rotate-keys`); look again at most every few seconds.
    private func reloadIfStale() async throws {
        if signingKid == nil || clock.now().timeIntervalSince(lastReload) > Self.reloadInterval { try await reload() }
    }

    private func reload() async throws {
        let now = clock.now()
        let records = try await repository.all()
        let collection = JWTKeyCollection()
        var trusted: [String: SigningKeyRecord] = [:]
        for record in records {
            if let retired = record.retiredAt, now.timeIntervalSince(retired) > options.maximumLifetime + options.leeway { continue }
            let key = try EdDSA.PrivateKey(d: Base64URL.encode(record.privateKey), curve: .ed25519)
            await collection.add(eddsa: key, kid: JWKIdentifier(string: record.kid))
            trusted[record.kid] = record
        }
        // Without a default key an unknown or missing kid can never fall back to another key.
        await collection.clearDefault()
        keys = collection
        self.trusted = trusted
        signingKid = records.last(where: { $0.retiredAt == nil })?.kid
        lastReload = now
    }

    static func newKey(now: Date) throws -> SigningKeyRecord {
        let key = try EdDSA.PrivateKey(curve: .ed25519)
        return SigningKeyRecord(
            kid: "k" + Base64URL.random(bytes: 9), algorithm: algorithm,
            privateKey: key.rawRepresentation, createdAt: now)
    }

    struct Header: Decodable {
        let alg: String?
        let kid: String?
    }
}
