import Foundation
import Metrics

/// The engine's measurements through swift-metrics, with the factory handed in (no global
/// bootstrap, so every server in one process keeps its own registry): run durations and
/// outcomes, model-call latency and tokens.
///
///     let metrics = EngineMetrics(factory: PrometheusMetricsFactory(registry: registry))
///     metrics.runFinished(agent: "assistant", status: .succeeded, duration: .seconds(2))
public struct EngineMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
    }

    /// A run ended: its duration from creation (queue time included) and its final status.
    public func runFinished(agent: String, status: String, duration: TimeInterval) {
        CoreMetrics.Timer(label: "cairn_run_duration_seconds", dimensions: [("agent", agent), ("status", status)], factory: factory)
            .recordNanoseconds(Int64(max(0, duration) * 1_000_000_000))
        Counter(label: "cairn_runs_total", dimensions: [("status", status)], factory: factory).increment()
    }

    /// One model call: how long it took and how it ended (`success`, `failure`, `cancelled`).
    public func providerCall(provider: String, outcome: String, duration: Duration) {
        CoreMetrics.Timer(
            label: "cairn_provider_call_duration_seconds", dimensions: [("provider", provider), ("outcome", outcome)], factory: factory
        )
        .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Tokens a vendor reported for a call.
    public func providerTokens(provider: String, input: Int, output: Int) {
        if input > 0 {
            Counter(label: "cairn_provider_tokens_total", dimensions: [("provider", provider), ("direction", "input")], factory: factory).increment(
                by: input)
        }
        if output > 0 {
            Counter(label: "cairn_provider_tokens_total", dimensions: [("provider", provider), ("direction", "output")], factory: factory).increment(
                by: output)
        }
    }
}
