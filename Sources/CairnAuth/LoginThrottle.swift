import CairnCore
import Foundation

/// How wrong passwords are throttled without handing strangers a lockout.
///
/// - Failures are counted per account **and client IP** (the pair). After
///   `auth.lockout_threshold` failures in `auth.lockout_window_seconds` that pair is refused
///   (429) for `auth.lockout_duration_seconds`; other clients, the owner's among them, are not.
/// - Every failure from the third on is answered late (0.25 s, doubling, at most 4 s), so a
///   guesser is slowed before anyone is refused.
/// - Failures from all clients together are counted on the account; at
///   `auth.lockout_account_threshold` the account locks, but only for clients it does not
///   know: an IP the account signed in from during the refresh-token lifetime still gets in.
/// - A wrong current password on `POST /api/auth/password` counts like a failed login.
/// - An administrator can lift every lock of an account at once (`POST /api/admin/users/{id}/unlock`).
///
/// The trade-off: an attacker behind the owner's own NAT shares the owner's IP and can block it
/// for the lockout duration; an attacker with many IPs gets `lockout_threshold` guesses per IP,
/// slowed, until the account-wide lock stops the unknown ones.
///
/// ```swift
/// let throttle = LoginThrottle(limiter: RateLimiter(clock: SystemClock()))
/// if let wait = throttle.lockedFor(email: "a@example.com", ip: "203.0.113.9", duration: 900) { … }   // 429, Retry-After wait
/// let failures = throttle.recordFailure(email: "a@example.com", ip: "203.0.113.9", window: 900)
/// try await Task.sleep(for: LoginThrottle.delay(afterFailures: failures))
/// ```
struct LoginThrottle: Sendable {
    let limiter: RateLimiter

    private static func pairKey(_ email: String, _ ip: String) -> String { "lockout:\(email)|\(ip)" }
    private static func lockKey(_ email: String, _ ip: String) -> String { "locked:\(email)|\(ip)" }

    /// Seconds this client must still wait for this account, or nil when it may try.
    func lockedFor(email: String, ip: String, duration: TimeInterval) -> Int? {
        limiter.remaining(Self.lockKey(email, ip), window: duration)
    }

    /// Counts a failure of the pair and returns the failures in the window; at `threshold` the pair locks.
    @discardableResult
    func recordFailure(email: String, ip: String, window: TimeInterval, threshold: Int, duration: TimeInterval) -> (failures: Int, lockedNow: Bool) {
        _ = limiter.attempt(Self.pairKey(email, ip), limit: Int.max, window: window)
        let failures = limiter.count(Self.pairKey(email, ip), window: window)
        guard failures >= threshold else { return (failures, false) }
        limiter.reset(Self.pairKey(email, ip))
        _ = limiter.attempt(Self.lockKey(email, ip), limit: Int.max, window: duration)
        return (failures, true)
    }

    /// A successful sign-in forgets the client's failures.
    func recordSuccess(email: String, ip: String) {
        limiter.reset(Self.pairKey(email, ip))
    }

    /// Lifts every client's lock and count for the account.
    func unlock(email: String) {
        limiter.reset(prefix: "lockout:\(email)|")
        limiter.reset(prefix: "locked:\(email)|")
    }

    /// How late the answer to the `failures`-th wrong password comes.
    static func delay(afterFailures failures: Int) -> Duration {
        guard failures >= 3 else { return .zero }
        return .milliseconds(min(4_000, 250 << min(failures - 3, 10)))
    }
}
