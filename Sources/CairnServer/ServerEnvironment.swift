import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWSCompression
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// Everything the HTTP application needs, built once by the caller (the `serve` command or a
/// test). This is the composition root: `boot` builds each shared object once and
/// `CairnApplication` hands every route group the ones it uses.
public struct ServerEnvironment: Sendable {
    public let settings: LiveSettings
    public let store: Store
    public let logger: Logger
    public let clock: any WallClock
    public let auth: AuthService
    /// Repositories, directories, breakers, run log and quotas, shared by the engine and the routes.
    public let services: Services
    public let engine: RunEngine
    public let backups: BackupService
    /// When the environment was built (the server's uptime counts from here).
    public let startedAt: Date
    /// The `/ws` gateway's open sockets, session watcher and counters, shared by every connection.
    public let gateway: GatewayServices
    /// The Prometheus registry behind `/metrics`.
    public let metrics: ServerMetrics

    /// Wires the services over an open store, loads (or creates) the signing keys and closes
    /// runs a previous process left open.
    public static func boot(settings: EffectiveSettings, store: Store, logger: Logger, clock: any WallClock = SystemClock()) async throws
        -> ServerEnvironment
    {
        let live = LiveSettings(settings)
        let repositories = Repositories(store.pool)
        let auth = AuthService(repositories: repositories, settings: live, clock: clock, logger: logger)
        try await auth.prepare()
        let services = Services(repositories: repositories, settings: live, clock: clock, logger: logger)
        try await services.load()
        let metrics = ServerMetrics()
        let engine = RunEngine(
            runs: repositories.runs, threads: repositories.threads, notes: repositories.notes, log: services.log, agents: services.agents,
            providers: services.providers, breakers: services.breakers, quotas: services.quotas, settings: live, clock: clock,
            logger: logger, metrics: metrics.engine)
        try await engine.prepare()
        let backups = BackupService(
            store: store, repository: repositories.backups, settings: live, audit: auth.audit, clock: clock, logger: logger)
        return ServerEnvironment(
            settings: live, store: store, logger: logger, clock: clock, auth: auth, services: services, engine: engine,
            backups: backups, startedAt: clock.now(),
            gateway: GatewayServices { [auth] in await auth.areStillValid($0) }, metrics: metrics)
    }
}
