import CairnCore
import CairnStore
import Foundation
import Logging

/// Accounts, sessions and tokens. Every piece of security state lives in the database.
///
/// ```swift
/// let auth = AuthService(repositories: Repositories(store.pool), settings: live, logger: logger)
/// try await auth.prepare()                                   // signing keys, pruning
/// let signedIn = try await auth.login(email: "ada@example.com", password: password, origin: origin)
/// let principal = try await auth.authenticate(bearer: signedIn.tokens.accessToken)
/// let renewed = try await auth.refresh(signedIn.tokens.refreshToken, origin: origin)
/// // The old refresh token is spent: presenting it again revokes the whole session.
/// ```
public final class AuthService: Sendable {
    let users: UserRepository
    let sessions: SessionRepository
    let setupTokens: SetupTokenRepository
    let signingKeys: SigningKeyRepository
    let tickets: TicketRepository
    let passwordResets: PasswordResetRepository
    let apiKeys: APIKeyRepository
    public let tokens: TokenService
    public let audit: AuditTrail
    let hasher: PasswordHasher
    let limiter: RateLimiter
    let throttle: LoginThrottle
    let settings: LiveSettings
    let clock: any WallClock
    let logger: Logger
    /// A real bcrypt hash to verify against when the email is unknown, so both paths cost the same.
    let decoyHash: DecoyHash

    /// Takes the account repositories (users, sessions, keys, tickets, resets, signing keys,
    /// audit) from `repositories`.
    public init(repositories: Repositories, settings: LiveSettings, clock: any WallClock = SystemClock(), logger: Logger) {
        let snapshot = settings.snapshot
        users = repositories.users
        sessions = repositories.sessions
        setupTokens = repositories.setupTokens
        signingKeys = repositories.signingKeys
        tickets = repositories.tickets
        passwordResets = repositories.passwordResets
        apiKeys = repositories.apiKeys
        tokens = TokenService(
            repository: signingKeys, clock: clock,
            options: .init(
                issuer: snapshot[.authIssuer], audience: snapshot[.authAudience],
                leeway: TimeInterval(snapshot[.authLeewaySeconds]),
                maximumLifetime: TimeInterval(SettingsCatalog.maximum(.authRefreshTTLSeconds))))
        audit = AuditTrail(repository: repositories.audit, clock: clock, logger: logger)
        hasher = PasswordHasher(cost: snapshot[.authBcryptCost])
        limiter = RateLimiter(clock: clock)
        throttle = LoginThrottle(limiter: limiter)
        self.settings = settings
        self.clock = clock
        self.logger = logger
        decoyHash = DecoyHash(hasher: hasher)
    }

    /// Loads or creates signing keys and drops security state that can no longer matter
    /// (denylisted and rotated tokens past their expiry, keys retired longer than any token lives).
    public func prepare() async throws {
        try await tokens.prepare()
        try await prune()
    }

    public func prune() async throws {
        let now = clock.now()
        try await sessions.prune(now: now)
        try await signingKeys.prune(retiredBefore: now.addingTimeInterval(-TimeInterval(SettingsCatalog.maximum(.authRefreshTTLSeconds))))
    }

    // MARK: Registration and login

    public func register(email rawEmail: String, password: String, name: String?, origin: RequestOrigin) async throws -> RegistrationResult {
        let config = settings.snapshot
        let mode = config[.authRegistration]
        if mode == "closed" { throw CairnError(.forbidden, "registration is closed") }
        try limit("register:ip:\(origin.ip ?? "-")", config[.ratelimitRegisterPerIPPerMinute], 60)
        let email = EmailAddress.normalize(rawEmail)
        let name = (name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String: String] = [:]
        if !EmailAddress.isValid(email) { problems["email"] = "is not a valid email address" }
        if let problem = PasswordPolicy.problem(with: password, email: email) { problems["password"] = problem }
        if name.count > 200 { problems["name"] = "must be at most 200 characters" }
        if !problems.isEmpty { throw CairnError.validation(problems) }

        let now = clock.now()
        let user = UserRecord(
            id: .generate(now: now), email: email, name: name, passwordHash: try await hasher.hash(password),
            role: .user, status: mode == "approval" ? .pending : .active, createdAt: now)
        try await users.create(user, emailNormalized: email)
        await audit.record(
            "auth.register", actor: user.id.rawValue, target: user.id.rawValue, origin: origin,
            details: ["status": user.status.rawValue])
        if user.status == .pending { return .pending(user) }
        return .active(try await startSession(for: user, origin: origin))
    }

    /// Longest password accepted at sign-in (bcrypt reads 72 bytes; more is refused before any work).
    public static let maxPasswordBytes = 1024

    /// Signs in; see `LoginThrottle` for how wrong passwords are slowed and refused.
    public func login(email rawEmail: String, password: String, origin: RequestOrigin) async throws -> AuthSuccess {
        let config = settings.snapshot
        let email = try Self.signInEmail(rawEmail, password: password)
        let ip = origin.ip ?? "-"
        try limit("login:ip:\(ip)", config[.ratelimitLoginPerIPPerMinute], 60)
        let rejected = CairnError(.invalidCredentials, "invalid email or password")
        let now = clock.now()
        let threshold = config[.authLockoutThreshold]
        let window = TimeInterval(config[.authLockoutWindowSeconds])
        let lockFor = TimeInterval(config[.authLockoutDurationSeconds])
        // This client guessed wrong too often for this account: it waits, whoever it is.
        if let wait = throttle.lockedFor(email: email, ip: ip, duration: lockFor) {
            throw CairnError(.rateLimited, "too many failed attempts; try again later", retryAfter: wait)
        }
        let failed = { (userID: UserID?) async throws -> Never in
            let (failures, lockedNow) = self.throttle.recordFailure(email: email, ip: ip, window: window, threshold: threshold, duration: lockFor)
            if lockedNow {
                await self.audit.record(
                    "auth.lockout", actor: nil, target: userID?.rawValue ?? email, origin: origin,
                    details: ["scope": "client", "until": ISO8601DateFormatter().string(from: now.addingTimeInterval(lockFor))])
            }
            try await Task.sleep(for: LoginThrottle.delay(afterFailures: failures))
            throw rejected
        }

        guard let user = try await users.find(emailNormalized: email), let hash = user.passwordHash else {
            // Unknown email: limit, spend the same bcrypt and throttle the same way, so nothing tells them apart.
            try limit("login:account:\(email)", config[.ratelimitLoginPerAccountPerMinute], 60)
            _ = try await hasher.verify(password, against: await decoyHash.value())
            await audit.record("auth.login_failed", actor: nil, target: email, origin: origin, details: ["reason": "unknown_email"])
            try await failed(nil)
        }
        // A client the account signed in from before is never locked out by strangers' failures.
        let known = try await sessions.hasSignedIn(
            userID: user.id, fromIP: ip,
            since: now.addingTimeInterval(-TimeInterval(config[.authRefreshTTLSeconds])))
        if !known {
            try limit("login:account:\(email)", config[.ratelimitLoginPerAccountPerMinute], 60)
            if let lockedUntil = user.lockedUntil, lockedUntil > now {
                _ = try await hasher.verify(password, against: hash)
                throw CairnError(
                    .rateLimited, "too many failed attempts; try again later",
                    retryAfter: max(1, Int(lockedUntil.timeIntervalSince(now).rounded(.up))))
            }
        }
        guard try await hasher.verify(password, against: hash) else {
            let failures = try await countAccountFailure(user, origin: origin, now: now)
            await audit.record(
                "auth.login_failed", actor: user.id.rawValue, target: user.id.rawValue, origin: origin,
                details: ["reason": "wrong_password", "failures": String(failures)])
            try await failed(user.id)
        }
        guard user.status == .active else {
            await audit.record(
                "auth.login_failed", actor: user.id.rawValue, target: user.id.rawValue, origin: origin,
                details: ["reason": "status_\(user.status.rawValue)"])
            throw rejected
        }
        throttle.recordSuccess(email: email, ip: ip)
        try await users.recordSuccessfulLogin(id: user.id, at: now)
        let success = try await startSession(for: user, origin: origin)
        await audit.record("auth.login_succeeded", actor: user.id.rawValue, target: success.tokens.sessionID.rawValue, origin: origin)
        return success
    }

    /// Counts a wrong password against the whole account (login or password change); at
    /// `auth.lockout_account_threshold` the account locks for clients it does not know.
    func countAccountFailure(_ user: UserRecord, origin: RequestOrigin, now: Date) async throws -> Int {
        let config = settings.snapshot
        let failures = try await users.recordFailedLogin(id: user.id, at: now, window: TimeInterval(config[.authLockoutWindowSeconds]))
        if failures >= config[.authLockoutAccountThreshold] {
            let until = now.addingTimeInterval(TimeInterval(config[.authLockoutDurationSeconds]))
            try await users.lock(id: user.id, until: until)
            await audit.record(
                "auth.lockout", actor: nil, target: user.id.rawValue, origin: origin,
                details: ["scope": "account_unknown_clients", "until": ISO8601DateFormatter().string(from: until)])
        }
        return failures
    }

    /// The normalized email of a sign-in attempt; refuses, before any work or record, values no
    /// account can have (422 naming the field).
    static func signInEmail(_ raw: String, password: String) throws -> String {
        var checks = FieldChecks()
        // Only the upper bounds: an empty value is simply a wrong one (401, like any other).
        _ = checks.text("email", raw, maxBytes: 320)
        _ = checks.text("password", password, maxBytes: maxPasswordBytes)
        try checks.finish()
        let email = EmailAddress.normalize(raw)
        if email.utf8.count > 254 { throw CairnError.validation(["email": "must be at most 254 bytes"]) }
        return email
    }

    // MARK: Tokens

    /// Rotates a refresh token. Presenting one that was already rotated revokes the whole session.
    public func refresh(_ refreshToken: String, origin: RequestOrigin) async throws -> AuthSuccess {
        let verified = try await tokens.verify(refreshToken, as: .refresh)
        try limit("refresh:session:\(verified.sessionID.rawValue)", settings.snapshot[.ratelimitRefreshPerSessionPerMinute], 60)
        let newJTI = TokenID.generate().rawValue
        let outcome = try await sessions.rotate(
            sessionID: verified.sessionID, presentedJTI: verified.jti, newJTI: newJTI,
            presentedExpiresAt: verified.expiresAt, now: clock.now())
        switch outcome {
        case .invalid:
            throw CairnError(.unauthenticated, "invalid or expired token")
        case .reuseDetected(let userID):
            await audit.record("auth.refresh_reuse_detected", actor: userID.rawValue, target: verified.sessionID.rawValue, origin: origin)
            logger.warning("refresh token reuse; session revoked", metadata: ["session": .string(verified.sessionID.rawValue)])
            throw CairnError(.unauthenticated, "invalid or expired token")
        case .rotated(let userID):
            guard let user = try await users.find(id: userID), user.status == .active else {
                throw CairnError(.unauthenticated, "invalid or expired token")
            }
            let pair = try await issuePair(for: user, sessionID: verified.sessionID, refreshJTI: newJTI)
            return AuthSuccess(user: user, tokens: pair)
        }
    }

    /// Turns a bearer credential into a principal, or throws `unauthenticated`.
    public func authenticate(bearer token: String) async throws -> Principal {
        if token.hasPrefix(Self.apiKeyPrefix) { return try await authenticate(apiKey: token) }
        let verified = try await tokens.verify(token, as: .access)
        guard let state = try await sessions.accessState(userID: verified.userID, sessionID: verified.sessionID, jti: verified.jti, now: clock.now()),
            state.userActive, state.sessionLive, !state.tokenRevoked
        else {
            throw CairnError(.unauthenticated, "invalid or expired token")
        }
        return Principal(
            userID: verified.userID, sessionID: verified.sessionID, role: state.role, authMethod: .accessToken,
            tokenID: verified.jti, tokenExpiresAt: verified.expiresAt.timeIntervalSince1970)
    }

    // MARK: Internals

    func startSession(for user: UserRecord, origin: RequestOrigin) async throws -> AuthSuccess {
        let now = clock.now()
        let sessionID = SessionID.generate(now: now)
        let refreshJTI = TokenID.generate(now: now).rawValue
        let ttl = TimeInterval(settings.snapshot[.authRefreshTTLSeconds])
        try await sessions.create(
            SessionRecord(
                id: sessionID, userID: user.id, refreshJTI: refreshJTI, createdAt: now,
                expiresAt: now.addingTimeInterval(ttl), ip: origin.ip, userAgent: origin.userAgent))
        return AuthSuccess(user: user, tokens: try await issuePair(for: user, sessionID: sessionID, refreshJTI: refreshJTI))
    }

    func issuePair(for user: UserRecord, sessionID: SessionID, refreshJTI: String) async throws -> TokenPair {
        let config = settings.snapshot
        let accessTTL = config[.authAccessTTLSeconds]
        let access = try await tokens.issue(.access, userID: user.id, sessionID: sessionID, role: user.role, lifetime: TimeInterval(accessTTL))
        let refresh = try await tokens.issue(
            .refresh, userID: user.id, sessionID: sessionID, role: user.role,
            lifetime: TimeInterval(config[.authRefreshTTLSeconds]), jti: refreshJTI)
        return TokenPair(accessToken: access.token, refreshToken: refresh.token, expiresIn: accessTTL, sessionID: sessionID)
    }

    func limit(_ key: String, _ limit: Int, _ window: TimeInterval) throws {
        if let retryAfter = limiter.attempt(key, limit: limit, window: window) {
            throw CairnError(.rateLimited, "too many requests; slow down", retryAfter: retryAfter)
        }
    }
}
