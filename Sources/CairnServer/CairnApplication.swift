import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWSCompression
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Assembles routes, middleware and services into a runnable Hummingbird application.
public enum CairnApplication {
    public static func makeRouter(_ env: ServerEnvironment) -> Router<CairnRequestContext> {
        let router = Router(context: CairnRequestContext.self)
        // Order matters: the request id exists before anything logs; errors are mapped before
        // the access log and security headers see the response.
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: HTTPMetricsMiddleware(metrics: env.metrics))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: BodyLimitMiddleware(limit: env.settings.snapshot[.serverBodyLimitBytes]))
        let services = env.services
        let repositories = services.repositories
        HealthRoutes(store: env.store).register(on: router)
        OpenAPIRoute().register(on: router)
        JWKSRoute(auth: env.auth).register(on: router)
        MetricsRoute(
            settings: env.settings, auth: env.auth, gateway: env.gateway, engine: env.engine, store: env.store,
            breakers: services.breakers, providers: services.providers, metrics: env.metrics, clock: env.clock, startedAt: env.startedAt
        ).register(on: router)

        let authenticate = AuthenticationMiddleware(auth: env.auth)
        let signIn = SignInService(auth: env.auth, repository: repositories.signInProviders, breakers: services.breakers)
        SignInRoutes(signIn: signIn, settings: env.settings).register(on: router.group("/api/auth"))
        AuthRoutes(auth: env.auth, settings: env.settings, quotas: services.quotas).register(
            public: router.group("/api/auth"),
            protected: router.group("/api/auth").add(middleware: authenticate).add(middleware: APIKeyPolicyMiddleware(allowed: ["/api/auth/me"])))
        let admin = router.group("/api/admin").add(middleware: authenticate).add(middleware: AdminOnlyMiddleware())
        AdminUserRoutes(auth: env.auth, audit: repositories.audit, quotas: services.quotas, clock: env.clock).register(on: admin)
        AdminAgentRoutes(agents: services.agents, audit: env.auth.audit, clock: env.clock).register(on: admin)
        AdminProviderRoutes(
            providers: services.providers, agents: services.agents, breakers: services.breakers, usage: repositories.usage, auth: env.auth,
            clock: env.clock
        ).register(on: admin)
        AdminBreakerRoutes(breakers: services.breakers, providers: services.providers, audit: env.auth.audit, clock: env.clock).register(on: admin)
        AdminBackupRoutes(backups: env.backups).register(on: admin)
        AdminHealthRoutes(
            settings: env.settings, store: env.store, backups: env.backups, connections: env.gateway.connections, engine: env.engine,
            runs: repositories.runs,
            breakers: services.breakers, signingKeys: repositories.signingKeys, clock: env.clock, startedAt: env.startedAt
        ).register(on: admin)
        AdminRunRoutes(engine: env.engine, runs: repositories.runs, log: services.log, auth: env.auth).register(on: admin)
        AdminSignInProviderRoutes(repository: repositories.signInProviders, auth: env.auth, clock: env.clock).register(on: admin)
        AdminSettingsRoutes(
            settings: SettingsAdministration(
                live: env.settings, repository: repositories.settings,
                audit: env.auth.audit, clock: env.clock)
        ).register(on: admin)

        let api = router.group("/api").add(middleware: authenticate).add(middleware: APIKeyPolicyMiddleware())
        APIKeyRoutes(auth: env.auth).register(on: api)
        ThreadRoutes(
            agents: services.agents, threads: repositories.threads, settings: env.settings, clock: env.clock,
            limiter: RateLimiter(clock: env.clock)
        ).register(on: api)
        RunRoutes(engine: env.engine, runs: repositories.runs, log: services.log, auth: env.auth).register(on: api)

        AssetRoutes().register(on: router)
        return router
    }

    /// The upgrade router: only `/ws`, authenticated before the upgrade. A refused upgrade is
    /// answered by hummingbird-websocket with a fixed 400 (see docs/API.md).
    public static func makeWebSocketRouter(_ env: ServerEnvironment) -> Router<CairnRequestContext> {
        let router = Router(context: CairnRequestContext.self)
        let gateway = WebSocketGateway(
            engine: env.engine, log: env.services.log, settings: env.settings, connections: env.gateway.connections,
            sessions: env.gateway.sessions, metrics: env.gateway.metrics, logger: env.logger)
        router.add(middleware: RequestIDMiddleware())
        router.group("/ws").add(middleware: WebSocketAuthMiddleware(auth: env.auth)).ws { request, _ in
            // Answer `cairn.v1` when offered; never echo a `bearer.` subprotocol.
            WebSocketAuthMiddleware.offersCairnProtocol(request.headers[.secWebSocketProtocol])
                ? .upgrade([.secWebSocketProtocol: "cairn.v1"]) : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            // Breaks hummingbird-websocket's context ↔ handler-box cycle (see `WebSocketSlot`).
            context.requestContext.webSocketSlot.release()
            guard let principal = context.requestContext.principal else { return }
            try await gateway.handle(
                inbound: inbound, outbound: outbound, principal: principal,
                requestID: context.requestContext.requestID, channel: context.requestContext.channel)
        }
        return router
    }

    /// The HTTP + WebSocket application over `env`. `serverLogger` is Hummingbird's own logger
    /// (request context and server life cycle); it defaults to `env.logger`.
    ///
    /// ```swift
    /// let app = CairnApplication.makeApplication(env)
    /// try await app.runService()
    /// ```
    public static func makeApplication(
        _ env: ServerEnvironment,
        serverLogger: Logger? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let settings = env.settings.snapshot
        let idleTimeout = Int64(settings[.serverIdleTimeoutSeconds])
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            // An idle keep-alive connection gives its file descriptor back.
            http1: .init(idleTimeout: .seconds(idleTimeout)),
            ws: .init(
                maxFrameSize: WebSocketGateway.frameLimit(settings),
                extensions: [BoundedDeflate.factory(maxMessageBytes: WebSocketGateway.frameLimit(settings))],
                autoPing: .enabled(timePeriod: .seconds(settings[.wsPingIntervalSeconds]))))
        let webSocketResponder = makeWebSocketRouter(env).buildResponder()
        // So does a connection that never finishes its first request head (that timeout
        // starts only after it), and one still silent when the server shuts down.
        let server = HTTPServerBuilder { responder in
            GuardedChildChannel(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
                firstRequestTimeout: .seconds(idleTimeout))
        }
        return Application(
            router: makeRouter(env),
            server: server,
            configuration: .init(
                address: .hostname(settings[.serverHost], port: settings[.serverPort]),
                serverName: nil
            ),
            onServerRunning: onServerRunning,
            logger: serverLogger ?? env.logger
        )
    }

    /// Runs until SIGTERM/SIGINT: stops accepting, drains in-flight requests for at most the
    /// grace period, then closes the database.
    public static func run(_ env: ServerEnvironment, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        let app = makeApplication(env, onServerRunning: onServerRunning)
        var config = ServiceGroupConfiguration(
            services: [
                .init(service: StoreCloser(store: env.store, logger: env.logger)),
                .init(service: BackupScheduler(backups: env.backups, logger: env.logger)),
                .init(service: app),
                // Services stop last-in first: runs end `interrupted` and their streams close,
                // then sockets are told 1001 (after their queued events), then the server
                // drains, then the database closes.
                .init(service: GatewayCloser(connections: env.gateway.connections)),
                .init(service: EngineStopper(engine: env.engine)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: env.logger
        )
        config.maximumGracefulShutdownDuration = .seconds(env.settings.snapshot[.serverShutdownGraceSeconds])
        config.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: config).run()
    }
}
