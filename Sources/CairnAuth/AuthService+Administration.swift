import CairnCore
import CairnStore
import Crypto
import Foundation

extension AuthService {
    /// Creates an active administrator (command line, or first-run setup).
    public func createAdmin(email rawEmail: String, password: String, name: String?, origin: RequestOrigin, actor: String?) async throws -> UserRecord
    {
        let email = try Self.validatedAccount(email: rawEmail, password: password)
        let now = clock.now()
        let user = UserRecord(
            id: .generate(now: now), email: email, name: name ?? "", passwordHash: try await hasher.hash(password),
            role: .admin, status: .active, createdAt: now)
        try await users.create(user, emailNormalized: email)
        await audit.record(
            "admin.user_created", actor: actor ?? user.id.rawValue, target: user.id.rawValue, origin: origin,
            details: ["role": "admin"])
        return user
    }

    /// Sets a new password for the account and ends all its sessions.
    public func resetPassword(email rawEmail: String, password: String, origin: RequestOrigin) async throws -> UserRecord {
        let email = EmailAddress.normalize(rawEmail)
        guard let user = try await users.find(emailNormalized: email) else { throw CairnError.notFound("user") }
        if let problem = PasswordPolicy.problem(with: password, email: email) {
            throw CairnError.validation(["password": problem])
        }
        let now = clock.now()
        try await users.setPassword(id: user.id, hash: try await hasher.hash(password), at: now)
        try await sessions.revokeAll(userID: user.id, reason: "password_reset", now: now)
        await audit.record("auth.password_reset", actor: "cli", target: user.id.rawValue, origin: origin)
        return user
    }

    /// Rotates the token signing key and audits it.
    public func rotateSigningKey(actor: String, origin: RequestOrigin) async throws -> String {
        let kid = try await tokens.rotate()
        await audit.record("auth.keys_rotated", actor: actor, target: kid, origin: origin)
        return kid
    }

    /// When no administrator exists, makes a one-time setup token (1 hour) and returns it.
    public func issueSetupTokenIfNeeded() async throws -> String? {
        guard try await !users.adminExists() else { return nil }
        let token = Base64URL.random(bytes: 24)
        try await setupTokens.create(hash: Self.digest(token), expiresAt: clock.now().addingTimeInterval(3600))
        return token
    }

    /// Redeems a setup token (single use) to create the first administrator and sign them in.
    public func completeSetup(token: String, email: String, password: String, name: String?, origin: RequestOrigin) async throws -> AuthSuccess {
        try limit("setup:ip:\(origin.ip ?? "-")", 10, 60)
        guard try await !users.adminExists() else { throw CairnError(.forbidden, "an administrator already exists") }
        // Check everything that can be wrong with the request before spending the single-use token.
        let normalized = try Self.validatedAccount(email: email, password: password)
        if try await users.find(emailNormalized: normalized) != nil {
            throw CairnError(.conflict, "an account with this email already exists")
        }
        guard try await setupTokens.consume(hash: Self.digest(token), now: clock.now()) else {
            throw CairnError(.forbidden, "setup token is invalid, used or expired")
        }
        let admin = try await createAdmin(email: email, password: password, name: name, origin: origin, actor: "setup")
        return try await startSession(for: admin, origin: origin)
    }

    // MARK: User administration (admin routes)

    /// One user by id, or nil.
    public func user(id: UserID) async throws -> UserRecord? { try await users.find(id: id) }

    /// The emails of several users, for showing people rather than ids.
    public func emails(of ids: [UserID]) async throws -> [UserID: String] { try await users.emails(of: ids) }

    /// One user by email (normalized as at sign-in), or nil.
    public func user(email: String) async throws -> UserRecord? {
        guard email.utf8.count <= 320 else { return nil }
        return try await users.find(emailNormalized: EmailAddress.normalize(email))
    }

    public func listUsers(search: String?, status: UserRecord.Status? = nil, after: UserID?, limit: Int) async throws -> [UserRecord] {
        try await users.list(search: search, status: status, after: after, limit: limit)
    }

    /// Changes a user's role and/or status (approve, disable, enable). Disabling ends their sessions.
    public func updateUser(_ id: UserID, role: Role?, status: UserRecord.Status?, by admin: Principal, origin: RequestOrigin) async throws
        -> UserRecord
    {
        if id == admin.userID, role == .user || (status != nil && status != .active) {
            throw CairnError(.conflict, "administrators cannot demote or disable themselves")
        }
        let now = clock.now()
        guard let (before, after) = try await users.update(id: id, role: role, status: status, at: now) else {
            throw CairnError.notFound("user")
        }
        if status == .disabled {
            try await sessions.revokeAll(userID: id, reason: "user_disabled", now: now)
            // Keys would stop with the account anyway; revoked, they stay off after re-enabling.
            _ = try await apiKeys.revokeAll(userID: id, now: now)
        }
        await audit.record(
            "admin.user_updated", actor: admin.userID.rawValue, target: id.rawValue, origin: origin,
            details: [
                "before": "role=\(before.role.rawValue) status=\(before.status.rawValue)",
                "after": "role=\(after.role.rawValue) status=\(after.status.rawValue)",
            ])
        return after
    }

    /// Lifts every lockout of the account: the account-wide lock and each client's.
    public func unlock(_ id: UserID, by admin: Principal, origin: RequestOrigin) async throws -> UserRecord {
        guard let user = try await users.find(id: id) else { throw CairnError.notFound("user") }
        try await users.unlock(id: id)
        throttle.unlock(email: user.email)
        await audit.record(
            "admin.user_unlocked", actor: admin.userID.rawValue, target: id.rawValue, origin: origin,
            details: ["locked_until": user.lockedUntil.map { ISO8601DateFormatter().string(from: $0) } ?? "none"])
        return try await users.find(id: id) ?? user
    }

    public func revokeAllSessions(of id: UserID, by admin: Principal, origin: RequestOrigin) async throws -> Int {
        guard try await users.find(id: id) != nil else { throw CairnError.notFound("user") }
        let count = try await sessions.revokeAll(userID: id, reason: "revoked_by_admin", now: clock.now())
        await audit.record(
            "admin.sessions_revoked", actor: admin.userID.rawValue, target: id.rawValue, origin: origin,
            details: ["sessions": String(count)])
        return count
    }

    /// Any user's sessions that are neither revoked nor expired, newest first (the console's Users page).
    public func liveSessions(of id: UserID) async throws -> [SessionRecord] {
        guard try await users.find(id: id) != nil else { throw CairnError.notFound("user") }
        return try await sessions.listLive(userID: id, now: clock.now())
    }

    /// An administrator ends one session of a user at once: its access token stops working and
    /// its refresh token is refused. A session of someone else, or one already ended, is `not_found`.
    public func revokeSession(_ session: SessionID, of id: UserID, by admin: Principal, origin: RequestOrigin) async throws {
        guard try await users.find(id: id) != nil else { throw CairnError.notFound("user") }
        guard try await sessions.revoke(id: session, userID: id, reason: "revoked_by_admin", now: clock.now()) else {
            throw CairnError.notFound("session")
        }
        await audit.record(
            "admin.session_revoked", actor: admin.userID.rawValue, target: session.rawValue, origin: origin,
            details: ["user": id.rawValue])
    }

    /// The normalized email when email and password are acceptable for a new account.
    static func validatedAccount(email rawEmail: String, password: String) throws -> String {
        let email = EmailAddress.normalize(rawEmail)
        var problems: [String: String] = [:]
        if !EmailAddress.isValid(email) { problems["email"] = "is not a valid email address" }
        if let problem = PasswordPolicy.problem(with: password, email: email) { problems["password"] = problem }
        if !problems.isEmpty { throw CairnError.validation(problems) }
        return email
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
