import CairnAuth
import CairnCore
import Foundation
import Testing

@Suite("Passwords, emails and rate limits")
struct CredentialTests {
    @Test(arguments: [
        ("short", "must be at least 10 characters"),
        ("123456789", "must be at least 10 characters"),
        (String(repeating: "é", count: 40), "must be at most 72 bytes"),
        (String(repeating: "a", count: 73), "must be at most 72 bytes"),
        ("user@example.com", "must not be your email address"),
        ("USER@example.com", "must not be your email address"),
        ("abcdefghij\u{0}k", "must not contain NUL characters"),
    ])
    func weakPasswordsAreRejected(password: String, problem: String) {
        #expect(PasswordPolicy.problem(with: password, email: "user@example.com") == problem)
    }

    @Test func acceptablePasswords() {
        #expect(PasswordPolicy.problem(with: "correct horse battery", email: "user@example.com") == nil)
        #expect(PasswordPolicy.problem(with: String(repeating: "a", count: 72), email: nil) == nil)
        #expect(PasswordPolicy.problem(with: "пароль-надёжный", email: nil) == nil)
    }

    @Test(arguments: ["a@example.com", "first.last+tag@sub.example.org", "üser@exämple.de", "x@y.io"])
    func validEmails(email: String) {
        #expect(EmailAddress.isValid(EmailAddress.normalize(email)))
    }

    @Test(arguments: ["", "plain", "@example.com", "a@", "a@b", "a b@example.com", "a@@example.com", "a@exa mple.com",
                      "a\u{0}@example.com", "<script>@example.com", "a@-example.com", ".a@example.com", "a..b@example.com",
                      "'; DROP TABLE users; --@x.com", String(repeating: "a", count: 65) + "@example.com"])
    func invalidEmails(email: String) {
        #expect(!EmailAddress.isValid(EmailAddress.normalize(email)))
    }

    @Test func emailNormalisationIsCaseAndFormInsensitive() {
        #expect(EmailAddress.normalize("  Alice@Example.COM ") == "alice@example.com")
        // "é" precomposed and decomposed normalise to the same address.
        #expect(EmailAddress.normalize("r\u{00E9}my@example.com") == EmailAddress.normalize("re\u{0301}my@example.com"))
    }

    @Test func slidingWindowLimitsAndRecovers() {
        let clock = ManualClock()
        let limiter = RateLimiter(clock: clock)
        for _ in 0..<3 { #expect(limiter.attempt("k", limit: 3, window: 60) == nil) }
        let wait = limiter.attempt("k", limit: 3, window: 60)
        #expect(wait == 60)
        clock.advance(by: 30)
        #expect(limiter.attempt("k", limit: 3, window: 60) == 30)
        // Other keys are independent.
        #expect(limiter.attempt("other", limit: 3, window: 60) == nil)
        clock.advance(by: 30)
        #expect(limiter.attempt("k", limit: 3, window: 60) == nil)
        #expect(limiter.count("k", window: 60) == 1)
    }

    @Test func slidingWindowIsNotAFixedWindow() {
        let clock = ManualClock()
        let limiter = RateLimiter(clock: clock)
        #expect(limiter.attempt("k", limit: 2, window: 10) == nil)
        clock.advance(by: 9)
        #expect(limiter.attempt("k", limit: 2, window: 10) == nil)
        // The first event leaves the window at t=10; the second stays until t=19.
        clock.advance(by: 1)
        #expect(limiter.attempt("k", limit: 2, window: 10) == nil)
        #expect(limiter.attempt("k", limit: 2, window: 10) == 9)
    }

    /// Memory follows the keys active in their window: a key whose events all expired is swept
    /// out, while a key still inside a longer window (a lockout) stays.
    @Test func expiredKeysAreSweptOut() {
        let clock = ManualClock()
        let limiter = RateLimiter(clock: clock)
        for index in 0..<1_000 { _ = limiter.attempt("login:user\(index)@example.com", limit: 10, window: 60) }
        _ = limiter.attempt("locked:someone", limit: .max, window: 900)
        #expect(limiter.keyCount == 1_001)
        clock.advance(by: 61)
        _ = limiter.attempt("login:new@example.com", limit: 10, window: 60)
        #expect(limiter.keyCount == 2, "the lock (900 s) and the new key")
        #expect(limiter.remaining("locked:someone", window: 900) == 839)
    }

    @Test func concurrentAttemptsNeverExceedTheLimit() async {
        let limiter = RateLimiter(clock: ManualClock())
        let allowed = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 { group.addTask { limiter.attempt("shared", limit: 50, window: 60) == nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 50)
    }
}
