import CairnCore
import CairnStore
import Foundation

/// One model turn made resiliently: each provider of the agent's list in order, each through its
/// breaker, retried with backoff while nothing reached the user, falling back to the next
/// provider when one is open or keeps failing. Every step is visible as a `notice`.
public struct ProviderCaller: Sendable {
    let directory: ProviderDirectory
    let breakers: BreakerRegistry
    let emitter: RunEmitter
    /// The run's model calls and their tokens.
    let usage: UsageCounter
    let retryBase: Duration
    let maxRetryDelay: Duration
    /// Latency and tokens of each call, for `/metrics`.
    var metrics = EngineMetrics()

    struct Turn {
        var text = ""
        var calls: [ToolCall] = []
        var inputTokens = 0
        var outputTokens = 0
    }

    public static func breakerName(_ provider: String) -> String { "provider:\(provider)" }

    /// Streams one answer; `onText` receives text deltas as they arrive.
    func turn(
        _ request: ProviderRequest, providers candidates: [String], agent: String,
        onText: (String) async throws -> Void
    ) async throws -> Turn {
        var lastProblem = "no configured provider among \(candidates.joined(separator: ", "))"
        var previous: String?
        for (index, name) in candidates.enumerated() {
            if let previous {
                try await notice(
                    "provider_fallback", agent: agent, "falling back from \(previous) to \(name): \(lastProblem)",
                    extra: ["from": .string(previous), "to": .string(name)])
            }
            previous = name
            guard let provider = directory.provider(name) else {
                lastProblem = "provider '\(name)' is not configured"
                continue
            }
            var attemptRequest = request
            // An agent's model names a model of its first provider; fallbacks use their own default.
            if index > 0 { attemptRequest.model = nil }
            let breaker = breakers.breaker(Self.breakerName(name))
            let retries = directory.maxRetries(name)
            attempts: for attempt in 0...retries {
                let permit: CircuitBreaker.Permit
                do {
                    permit = try breaker.acquire()
                } catch {
                    lastProblem = error.description
                    try await notice(
                        "breaker_open", agent: agent, error.description,
                        extra: ["breaker": .string(breaker.name), "provider": .string(name)])
                    break attempts
                }
                var turn = Turn()
                let started = ContinuousClock.now
                var firstChunk: Duration?
                // The breaker judges slowness by the time to the first chunk, not the answer's length.
                func elapsed() -> TimeInterval { (firstChunk ?? ContinuousClock.now - started).fractionalMilliseconds / 1000 }
                do {
                    for try await chunk in provider.stream(attemptRequest) {
                        if firstChunk == nil { firstChunk = ContinuousClock.now - started }
                        switch chunk {
                        case .text(let delta):
                            turn.text += delta
                            try await onText(delta)
                        case .toolCall(let call): turn.calls.append(call)
                        case .usage(let input, let output):
                            turn.inputTokens += input
                            turn.outputTokens += output
                        }
                    }
                    try Task.checkCancellation()
                    metrics.providerCall(provider: name, outcome: "success", duration: ContinuousClock.now - started)
                    breaker.record(permit, .success, duration: elapsed())
                    recordUsage(provider: provider, request: attemptRequest, turn: turn)
                    return turn
                } catch let failure as ProviderError where !Task.isCancelled {
                    metrics.providerCall(provider: name, outcome: "failure", duration: ContinuousClock.now - started)
                    breaker.record(permit, failure.breakerOutcome, duration: elapsed())
                    recordUsage(provider: provider, request: attemptRequest, turn: turn)
                    if !turn.text.isEmpty {
                        throw AgentFailure(code: "provider_error", message: "\(name) failed after the answer had started: \(failure)")
                    }
                    guard failure.isRetryable else {
                        throw AgentFailure(code: failure.runErrorCode, message: "\(name): \(failure)")
                    }
                    lastProblem = "\(name): \(failure)"
                    guard attempt < retries else { break attempts }
                    guard let delay = retryDelay(attempt: attempt, failure: failure) else {
                        lastProblem += " (Retry-After is longer than providers.retry_max_delay_ms)"
                        break attempts
                    }
                    try await notice(
                        "retrying", agent: agent, "\(lastProblem); retry \(attempt + 1) of \(retries) in \(delay.wholeMilliseconds) ms",
                        extra: [
                            "provider": .string(name), "attempt": .number(Double(attempt + 1)),
                            "delay_ms": .number(Double(delay.wholeMilliseconds)),
                        ])
                    try await Task.sleep(for: delay)
                } catch {
                    // Cancellation, or the run's own event writing failed: not the provider's fault.
                    metrics.providerCall(provider: name, outcome: "cancelled", duration: ContinuousClock.now - started)
                    breaker.record(permit, .ignored)
                    recordUsage(provider: provider, request: attemptRequest, turn: turn)
                    throw error
                }
            }
        }
        throw AgentFailure(code: "provider_unavailable", message: "no provider could answer: \(lastProblem)")
    }

    /// Exponential backoff with jitter (half to all of base·2^attempt); a `Retry-After` is
    /// honoured as given. Nil when the wait would exceed the limit.
    func retryDelay(attempt: Int, failure: ProviderError) -> Duration? {
        if case .http(_, _, let retryAfter?) = failure {
            let wait = Duration.milliseconds(Int64(retryAfter * 1000))
            return wait <= maxRetryDelay ? wait : nil
        }
        let exponential = retryBase * (1 << min(attempt, 20))
        let capped = min(exponential, maxRetryDelay)
        return capped * Double.random(in: 0.5...1.0)
    }

    private func notice(_ code: String, agent: String, _ message: String, extra: [String: JSONValue]) async throws {
        var payload: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        payload.merge(extra) { $1 }
        try await emitter.emit(.notice, agent: agent, payload: .object(payload))
    }

    /// Counted also for a call that failed or was cancelled midway, if the vendor reported tokens.
    private func recordUsage(provider: any LLMProvider, request: ProviderRequest, turn: Turn) {
        guard turn.inputTokens > 0 || turn.outputTokens > 0 else { return }
        metrics.providerTokens(provider: provider.name, input: turn.inputTokens, output: turn.outputTokens)
        usage.add(
            ModelCallUsage(
                provider: provider.name, model: request.model ?? provider.defaultModel,
                inputTokens: turn.inputTokens, outputTokens: turn.outputTokens))
    }
}
