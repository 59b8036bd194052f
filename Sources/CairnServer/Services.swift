import CairnAgents
import CairnCore
import CairnStore
import Foundation
import Logging

/// The objects the server shares, built once over the store by `ServerEnvironment.boot`: the
/// repositories, the agent and provider directories, the circuit breakers, the run event log and
/// the quota guard. The run engine and each route group receive the ones they use from here;
/// nothing reaches one of them through another.
///
/// ```swift
/// let services = Services(store: store, settings: live, clock: clock, logger: logger)
/// try await services.load()                          // agents, providers, quota overrides
/// let engine = RunEngine(
///     runs: services.runs, threads: services.threads, notes: services.notes, log: services.log,
///     agents: services.agents, providers: services.providers, breakers: services.breakers,
///     quotas: services.quotas, settings: live, clock: clock, logger: logger)
/// AdminBreakerRoutes(breakers: services.breakers, providers: services.providers, audit: auth.audit, clock: clock)
/// ```
public struct Services: Sendable {
    public let runs: RunRepository
    public let threads: ThreadRepository
    public let notes: NoteRepository
    public let usage: UsageRepository
    public let audit: AuditRepository
    public let signInProviders: SignInProviderRepository
    /// Runtime setting overrides and their history.
    public let settingChanges: SettingsRepository
    public let signingKeys: SigningKeyRepository
    /// Agent definitions: the built-in ones and those an admin saved.
    public let agents: AgentRegistry
    /// Configured model providers.
    public let providers: ProviderDirectory
    /// Every circuit breaker (providers, tools, sign-in providers).
    public let breakers: BreakerRegistry
    /// The run event log: writes, reads and the live feed of run events.
    public let log: RunLog
    /// Per-user quotas.
    public let quotas: QuotaGuard

    public init(store: Store, settings: LiveSettings, clock: any WallClock, logger: Logger) {
        runs = RunRepository(store: store)
        threads = ThreadRepository(store: store)
        notes = NoteRepository(store: store)
        usage = UsageRepository(store: store)
        audit = AuditRepository(store: store)
        signInProviders = SignInProviderRepository(store: store)
        settingChanges = SettingsRepository(store: store)
        signingKeys = SigningKeyRepository(store: store)
        agents = AgentRegistry(repository: AgentRepository(store: store), toolNames: Set(BuiltinTools.all.map(\.name)))
        providers = ProviderDirectory(
            repository: ProviderRepository(store: store),
            offlineChunkDelay: { .milliseconds(settings.snapshot[.agentsOfflineChunkDelayMs]) })
        breakers = BreakerRegistry(config: CircuitBreakerConfig(settings: settings.snapshot), clock: clock)
        log = RunLog(runs: runs, logger: logger)
        quotas = QuotaGuard(repository: QuotaRepository(store: store), settings: settings)
    }

    /// Reads what the directories keep in memory: agent definitions, providers, quota overrides.
    public func load() async throws {
        try await agents.load()
        try await providers.load()
        try await quotas.load()
    }
}
