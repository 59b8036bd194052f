import CairnCore
import CairnStore
import Foundation

extension AuthService {
    /// Ends the caller's session and denylists the presented access token, effective at once.
    public func logout(_ principal: Principal, origin: RequestOrigin) async throws {
        let now = clock.now()
        if let jti = principal.tokenID, let expiry = principal.tokenExpiresAt {
            try await sessions.revokeToken(jti: jti, expiresAt: Date(timeIntervalSince1970: expiry))
        }
        if let sessionID = principal.sessionID {
            try await sessions.revoke(id: sessionID, userID: principal.userID, reason: "logout", now: now)
        }
        await audit.record("auth.logout", actor: principal.userID.rawValue, target: principal.sessionID?.rawValue, origin: origin)
        // Logouts add denylist rows; this is the natural moment to drop the expired ones.
        try? await sessions.prune(now: now)
    }

    /// Ends every session of the caller.
    public func logoutAll(_ principal: Principal, origin: RequestOrigin) async throws {
        if let jti = principal.tokenID, let expiry = principal.tokenExpiresAt {
            try await sessions.revokeToken(jti: jti, expiresAt: Date(timeIntervalSince1970: expiry))
        }
        let count = try await sessions.revokeAll(userID: principal.userID, reason: "logout_all", now: clock.now())
        await audit.record(
            "auth.logout_all", actor: principal.userID.rawValue, target: principal.userID.rawValue, origin: origin,
            details: ["sessions": String(count)])
    }

    public func liveSessions(of principal: Principal) async throws -> [SessionRecord] {
        try await sessions.listLive(userID: principal.userID, now: clock.now())
    }

    /// Revokes one of the caller's own sessions; someone else's session is `not_found`.
    public func revokeSession(_ id: SessionID, by principal: Principal, origin: RequestOrigin) async throws {
        guard try await sessions.revoke(id: id, userID: principal.userID, reason: "revoked_by_user", now: clock.now()) else {
            throw CairnError.notFound("session")
        }
        await audit.record("auth.session_revoked", actor: principal.userID.rawValue, target: id.rawValue, origin: origin)
    }

    public func currentUser(_ principal: Principal) async throws -> UserRecord {
        guard let user = try await users.find(id: principal.userID) else { throw CairnError.unauthenticated }
        return user
    }

    /// Changes the caller's password and revokes every other session.
    public func changePassword(_ principal: Principal, current: String, new: String, origin: RequestOrigin) async throws {
        let user = try await currentUser(principal)
        let config = settings.snapshot
        var checks = FieldChecks()
        _ = checks.text("current_password", current, maxBytes: Self.maxPasswordBytes)
        _ = checks.text("new_password", new, maxBytes: Self.maxPasswordBytes)
        try checks.finish()
        // A bcrypt oracle like login: limited per user, refused while this client is locked out of
        // the account, and every wrong password counts toward the lockout.
        try limit("password:user:\(user.id.rawValue)", config[.ratelimitPasswordPerUserPerMinute], 60)
        let ip = origin.ip ?? "-"
        let lockFor = TimeInterval(config[.authLockoutDurationSeconds])
        if let wait = throttle.lockedFor(email: user.email, ip: ip, duration: lockFor) {
            throw CairnError(.rateLimited, "too many failed attempts; try again later", retryAfter: wait)
        }
        guard let hash = user.passwordHash, try await hasher.verify(current, against: hash) else {
            let now = clock.now()
            let failures = try await countAccountFailure(user, origin: origin, now: now)
            let (_, lockedNow) = throttle.recordFailure(
                email: user.email, ip: ip, window: TimeInterval(config[.authLockoutWindowSeconds]),
                threshold: config[.authLockoutThreshold], duration: lockFor)
            await audit.record(
                "auth.password_change_failed", actor: user.id.rawValue, target: user.id.rawValue, origin: origin,
                details: ["failures": String(failures)])
            if lockedNow {
                await audit.record("auth.lockout", actor: nil, target: user.id.rawValue, origin: origin, details: ["scope": "client"])
            }
            throw CairnError.validation(["current_password": "is incorrect"])
        }
        if let problem = PasswordPolicy.problem(with: new, email: user.email) {
            throw CairnError.validation(["new_password": problem])
        }
        let now = clock.now()
        try await users.setPassword(id: user.id, hash: try await hasher.hash(new), at: now)
        let revoked = try await sessions.revokeAll(userID: user.id, except: principal.sessionID, reason: "password_changed", now: now)
        await audit.record(
            "auth.password_changed", actor: user.id.rawValue, target: user.id.rawValue, origin: origin,
            details: ["other_sessions_revoked": String(revoked)])
    }
}
