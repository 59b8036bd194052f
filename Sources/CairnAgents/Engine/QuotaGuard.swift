import CairnCore
import CairnStore
import Foundation
import Synchronization

/// Enforces per-user quotas before a run starts. It keeps the (small) table of per-user
/// overrides in memory, so a server with no limits set pays nothing per run.
///
///     let quotas = QuotaGuard(repository: QuotaRepository(store.pool), settings: settings)
///     try await quotas.load()
///     try await quotas.check(user, now: clock.now())   // throws 429 quota_exceeded
public final class QuotaGuard: Sendable {
    let repository: QuotaRepository
    let settings: LiveSettings
    private let overrides = Mutex<[UserID: QuotaLimits]>([:])

    public init(repository: QuotaRepository, settings: LiveSettings) {
        self.repository = repository
        self.settings = settings
    }

    /// Reads the overrides from the database (once, at boot).
    public func load() async throws {
        let all = try await repository.allOverrides()
        overrides.withLock { $0 = all }
    }

    /// The user's own override (nil: the defaults apply).
    public func override(of user: UserID) -> QuotaLimits? { overrides.withLock { $0[user] } }

    /// The limits in force for a user.
    public func limits(of user: UserID) -> QuotaLimits {
        QuotaLimits.effective(override: override(of: user), settings: settings.snapshot)
    }

    /// Sets or (nil) removes a user's override.
    public func setOverride(_ limits: QuotaLimits?, of user: UserID) async throws {
        try await repository.setOverride(limits, of: user)
        overrides.withLock { $0[user] = (limits?.isEmpty ?? true) ? nil : limits }
    }

    public func usage(of users: [UserID], now: Date) async throws -> [UserID: QuotaUsage] {
        try await repository.usage(of: users, now: now)
    }

    /// Throws `quota_exceeded` when the user has reached a limit. Tokens count once a run has
    /// ended, so runs already under way may take a user past a token limit, never further.
    public func check(_ user: UserID, now: Date) async throws {
        let limits = limits(of: user)
        guard limits.limitsAnything else { return }
        let usage = try await repository.usage(of: user, now: now)
        if let refusal = limits.refusal(for: usage, now: now) { throw refusal }
    }
}
