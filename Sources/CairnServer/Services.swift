import CairnAgents
import CairnCore
import CairnStore
import Foundation
import Logging

/// The objects the server shares, built once by `ServerEnvironment.boot`: the
/// repositories, the agent and provider directories, the circuit breakers, the run event log and
/// the quota guard. The run engine and each route group receive the ones they use from here;
/// nothing reaches one of them through another.
///
/// ```swift
/// let services = Services(repositories: Repositories(store.pool), settings: live, clock: clock, logger: logger)
/// try await services.load()                          // agents, providers, quota overrides
/// let engine = RunEngine(
///     runs: services.repositories.runs, threads: services.repositories.threads, notes: services.repositories.notes, log: services.log,
///     agents: services.agents, providers: services.providers, breakers: services.breakers,
///     quotas: services.quotas, settings: live, clock: clock, logger: logger)
/// AdminBreakerRoutes(breakers: services.breakers, providers: services.providers, audit: auth.audit, clock: clock)
/// ```
public struct Services: Sendable {
    /// Every repository, over the server's database file.
    public let repositories: Repositories
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

    public init(repositories: Repositories, settings: LiveSettings, clock: any WallClock, logger: Logger) {
        self.repositories = repositories
        agents = AgentRegistry(repository: repositories.agents, toolNames: Set(BuiltinTools.all.map(\.name)))
        providers = ProviderDirectory(
            repository: repositories.providers,
            offlineChunkDelay: { .milliseconds(settings.snapshot[.agentsOfflineChunkDelayMs]) })
        breakers = BreakerRegistry(config: CircuitBreakerConfig(settings: settings.snapshot), clock: clock)
        log = RunLog(runs: repositories.runs, logger: logger)
        quotas = QuotaGuard(repository: repositories.quotas, settings: settings)
    }

    /// Reads what the directories keep in memory: agent definitions, providers, quota overrides.
    public func load() async throws {
        try await agents.load()
        try await providers.load()
        try await quotas.load()
    }
}
