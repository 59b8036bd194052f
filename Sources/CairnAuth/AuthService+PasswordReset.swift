import CairnCore
import CairnStore
import Crypto
import Foundation

/// Password reset without mail and without the administrator ever seeing a password: the admin
/// issues a one-time link (1 hour) and hands it to the user, who chooses the new password.
extension AuthService {
    /// How long a reset link works.
    public static let passwordResetLifetime: TimeInterval = 3600

    /// A new one-time reset token for `id`; earlier unused links of the user stop working.
    ///
    ///     let (token, expires) = try await auth.issuePasswordReset(for: user.id, by: admin, origin: origin)
    public func issuePasswordReset(for id: UserID, by admin: Principal, origin: RequestOrigin) async throws -> (token: String, expiresAt: Date) {
        guard let user = try await users.find(id: id) else { throw CairnError.notFound("user") }
        let now = clock.now()
        let token = "rst_" + Base64URL.random(bytes: 32)
        let expires = now.addingTimeInterval(Self.passwordResetLifetime)
        try await passwordResets.insert(digest: Self.digest(token), user: user.id, by: admin.userID.rawValue, at: now, expires: expires)
        await audit.record(
            "admin.password_reset_issued", actor: admin.userID.rawValue, target: user.id.rawValue, origin: origin,
            details: ["expires_at": UTCTimestamp.format(expires)])
        return (token, expires)
    }

    /// Sets a new password with a reset token: single use; every session of the user ends.
    public func completePasswordReset(token: String, newPassword: String, origin: RequestOrigin) async throws {
        var checks = FieldChecks()
        _ = checks.text("token", token, maxBytes: 128)
        _ = checks.text("new_password", newPassword, maxBytes: Self.maxPasswordBytes)
        try checks.finish()
        try limit("password-reset:ip:\(origin.ip ?? "-")", settings.snapshot[.ratelimitPasswordPerUserPerMinute], 60)
        let now = clock.now()
        let repository = passwordResets
        // The password is checked before the link is spent, so a weak choice can be corrected.
        guard let pending = try await repository.peek(digest: Self.digest(token), at: now), let user = try await users.find(id: pending) else {
            throw CairnError.validation(["token": "this reset link is invalid, used or expired; ask an administrator for a new one"])
        }
        if let problem = PasswordPolicy.problem(with: newPassword, email: user.email) {
            throw CairnError.validation(["new_password": problem])
        }
        let hash = try await hasher.hash(newPassword)
        guard try await repository.consume(digest: Self.digest(token), at: now) == user.id else {
            throw CairnError.validation(["token": "this reset link is invalid, used or expired; ask an administrator for a new one"])
        }
        try await users.setPassword(id: user.id, hash: hash, at: now)
        let revoked = try await sessions.revokeAll(userID: user.id, reason: "password_reset", now: now)
        try await users.unlock(id: user.id)
        await audit.record(
            "auth.password_reset", actor: user.id.rawValue, target: user.id.rawValue, origin: origin,
            details: ["sessions_revoked": String(revoked), "via": "admin_link"])
    }
}
