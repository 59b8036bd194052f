import CairnAgents
import Foundation
import Metrics
import Prometheus

/// The server's Prometheus registry and the swift-metrics factory over it. Each server builds
/// its own (no global bootstrap), so tests running several servers keep their figures apart.
///
///     let metrics = ServerMetrics()
///     let engine = RunEngine(..., metrics: metrics.engine)
///     metrics.request(method: "GET", route: "/api/threads", status: 200, duration: .milliseconds(3))
///     let text = metrics.registry.emitToString()
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        ]
        self.factory = factory
    }

    /// What the engine records (runs, model calls) into the same registry.
    public var engine: EngineMetrics { EngineMetrics(factory: factory) }

    /// One HTTP request by its route template (not the raw path, so ids do not explode the series).
    func request(method: String, route: String, status: Int, duration: Duration) {
        Counter(label: "cairn_http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory)
            .increment()
        CoreMetrics.Timer(label: "cairn_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
