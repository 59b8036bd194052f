import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Hummingbird
import Prometheus

/// `GET /metrics` in the Prometheus text format, for an admin token or the `metrics.token` bearer
/// token. Read at scrape time: WebSocket gateway counters, run load, every circuit breaker's
/// state and lifetime calls (a breaker reset never lowers a counter), database and WAL size,
/// process memory and open descriptors. Recorded as they happen (swift-metrics into the
/// server's Prometheus registry): HTTP requests by route and status with latency, run
/// durations by agent and status, model-call latency and tokens by provider.
struct MetricsRoute {
    let settings: LiveSettings
    /// Checks an admin bearer token.
    let auth: AuthService
    /// Open sockets and the counters of `/ws`.
    let gateway: GatewayServices
    /// Run load (running and queued).
    let engine: RunEngine
    let store: Store
    let breakers: BreakerRegistry
    let providers: ProviderDirectory
    /// The Prometheus registry of what is recorded as it happens.
    let metrics: ServerMetrics
    let clock: any WallClock
    let startedAt: Date

    func register(on router: Router<CairnRequestContext>) {
        router.get("/metrics") { request, _ in
            try await authorize(request)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: render())))
        }
    }

    private func authorize(_ request: Request) async throws {
        guard let token = AuthenticationMiddleware.bearerToken(request.headers[.authorization]) else { throw CairnError.unauthenticated }
        let configured = settings.snapshot[.metricsToken]
        if !configured.isEmpty, Self.constantTimeEqual(token, configured) { return }
        guard try await auth.authenticate(bearer: token).isAdmin else {
            throw CairnError(.forbidden, "administrator role or the metrics token required")
        }
    }

    /// Compares without stopping at the first difference, so timing does not reveal the token.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }

    func render() -> String {
        var out = MetricsText()
        let ws = gateway.snapshot
        out.metric("cairn_ws_connections", "gauge", "open WebSocket connections", [([:], ws.open)])
        out.metric("cairn_ws_messages_in_total", "counter", "client messages received", [([:], ws.messagesIn)])
        out.metric("cairn_ws_messages_out_total", "counter", "frames sent to clients", [([:], ws.messagesOut)])
        out.metric("cairn_ws_slow_consumers_dropped_total", "counter", "sockets closed 1013 for not reading", [([:], ws.slowConsumersDropped)])
        out.metric("cairn_ws_resumes_total", "counter", "resume requests served", [([:], ws.resumes)])
        out.metric("cairn_ws_replaced_total", "counter", "oldest sockets closed 4429 for a new one", [([:], ws.replaced)])
        let load = engine.load
        out.metric("cairn_runs_running", "gauge", "runs executing", [([:], load.running)])
        out.metric("cairn_runs_queued", "gauge", "runs waiting for a slot", [([:], load.queued)])
        out.metric("cairn_database_bytes", "gauge", "size of cairn.db", [([:], Int(store.fileBytes()))])
        out.metric("cairn_database_wal_bytes", "gauge", "size of the write-ahead log", [([:], Int(store.fileBytes(suffix: "-wal")))])
        if let resident = Self.residentBytes() {
            out.metric("cairn_process_resident_memory_bytes", "gauge", "resident memory of the process", [([:], resident)])
        }
        if let descriptors = Self.openDescriptors() { out.metric("cairn_process_open_fds", "gauge", "open file descriptors", [([:], descriptors)]) }
        out.metric(
            "cairn_process_uptime_seconds", "gauge", "seconds since the server started",
            [([:], max(0, Int(clock.now().timeIntervalSince(startedAt))))])
        let snapshots = breakers.all(withProvidersOf: providers).map { $0.snapshot() }
        out.metric(
            "cairn_breaker_state", "gauge", "1 for the breaker's current state",
            snapshots.flatMap { snapshot in
                BreakerState.allCases.map { (["breaker": snapshot.name, "state": $0.rawValue], snapshot.state == $0 ? 1 : 0) }
            })
        out.metric(
            "cairn_breaker_calls_total", "counter", "calls through each breaker by outcome",
            snapshots.flatMap { snapshot in
                let totals = snapshot.lifetime
                return [
                    ("successful", totals.successful), ("failed", totals.failed), ("not_permitted", totals.notPermitted), ("ignored", totals.ignored),
                ]
                .map { (["breaker": snapshot.name, "kind": $0.0], $0.1) }
            })
        out.metric(
            "cairn_breaker_slow_calls_total", "counter", "calls slower than the breaker's slow-call duration",
            snapshots.map { (["breaker": $0.name], $0.lifetime.slow) })
        return out.text + metrics.registry.emitToString()
    }

    /// Resident set size from `/proc/self/statm` (Linux); nil elsewhere.
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Entries of `/proc/self/fd` (Linux); nil elsewhere.
    static func openDescriptors() -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { max(0, $0.count - 1) }
    }
}
