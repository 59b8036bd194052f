import Foundation
import Synchronization

/// One circuit breaker. Thread-safe; every decision is made under one lock, so concurrent callers
/// never get more trial calls than HALF_OPEN permits. Time comes from the injected clock, so
/// tests drive every transition without sleeping.
///
/// ```swift
/// let breaker = registry.breaker("provider:openai")
/// let permit = try breaker.acquire()          // throws BreakerOpenError while open
/// do {
///     let answer = try await callTheProvider()
///     breaker.record(permit, .success)
///     return answer
/// } catch {
///     breaker.record(permit, .failure)        // `.ignored` for the caller's own mistakes
///     throw error
/// }
/// ```
public final class CircuitBreaker: Sendable {
    public let name: String
    public let config: CircuitBreakerConfig
    private let clock: any WallClock
    private let state: Mutex<State>

    /// A state change, kept for the console.
    public struct Transition: Sendable, Equatable {
        public let at: Date
        public let from: BreakerState
        public let to: BreakerState
        public let reason: String
    }

    /// What the console and metrics show.
    public struct Snapshot: Sendable {
        public let name: String
        public let state: BreakerState
        public let since: Date
        public let nextAttemptAt: Date?
        /// Over the current window (or the HALF_OPEN trials).
        public let bufferedCalls: Int
        public let failedCalls: Int
        public let slowCalls: Int
        /// -1 while fewer than the minimum number of calls are recorded.
        public let failureRate: Double
        public let slowCallRate: Double
        /// Totals since start (or the last reset).
        public let totals: Totals
        /// Totals since the process started, never reset: what monitoring counters show.
        public let lifetime: Totals
        public let transitions: [Transition]
        public let config: CircuitBreakerConfig
    }

    public struct Totals: Sendable, Equatable {
        public var successful = 0
        public var failed = 0
        public var slow = 0
        public var notPermitted = 0
        public var ignored = 0

        public init() {}
    }

    /// A permission to make one call; report how it ended with `record`.
    public struct Permit: Sendable {
        let generation: Int
        let started: Date
        let trial: Bool
    }

    struct Record {
        let failed: Bool
        let slow: Bool
    }

    struct State {
        var current: BreakerState = .closed
        var since: Date
        /// Bumped on every transition, so results of calls permitted earlier do not count in a new state.
        var generation = 0
        var window: [Record] = []
        var windowNext = 0
        var trialsIssued = 0
        var trials: [Record] = []
        var totals = Totals()
        var lifetime = Totals()
        var transitions: [Transition] = []
    }

    static let keptTransitions = 50

    public init(name: String, config: CircuitBreakerConfig = CircuitBreakerConfig(), clock: any WallClock = SystemClock()) {
        self.name = name
        self.config = config
        self.clock = clock
        state = Mutex(State(since: clock.now()))
    }

    // MARK: Calls

    /// Asks to make a call; throws `BreakerOpenError` when the breaker rejects it.
    public func acquire() throws(BreakerOpenError) -> Permit {
        let now = clock.now()
        let result: Result<Permit, BreakerOpenError> = state.withLock { state in
            advanceByTime(&state, now: now)
            switch state.current {
            case .closed, .disabled:
                return .success(Permit(generation: state.generation, started: now, trial: false))
            case .halfOpen where state.trialsIssued < config.permittedCallsInHalfOpen:
                state.trialsIssued += 1
                return .success(Permit(generation: state.generation, started: now, trial: true))
            case .open, .forcedOpen, .halfOpen:
                state.totals.notPermitted += 1
                state.lifetime.notPermitted += 1
                let next = state.current == .open ? state.since.addingTimeInterval(config.waitInOpen) : nil
                return .failure(BreakerOpenError(breaker: name, state: state.current, nextAttemptAt: next))
            }
        }
        return try result.get()
    }

    /// Reports how a permitted call ended. `duration` is what the slow-call rule judges; by
    /// default the time since the permit was granted. (A streaming call passes its time to the
    /// first chunk: a long answer is not a slow dependency.)
    public func record(_ permit: Permit, _ outcome: CallOutcome, duration: TimeInterval? = nil) {
        let now = clock.now()
        let slow = (duration ?? now.timeIntervalSince(permit.started)) > config.slowCallDuration
        state.withLock { state in
            guard permit.generation == state.generation, state.current != .disabled else { return }
            switch outcome {
            case .ignored:
                state.totals.ignored += 1
                state.lifetime.ignored += 1
                if permit.trial { state.trialsIssued -= 1 }
                return
            case .success:
                state.totals.successful += 1
                state.lifetime.successful += 1
            case .failure:
                state.totals.failed += 1
                state.lifetime.failed += 1
            }
            if slow {
                state.totals.slow += 1
                state.lifetime.slow += 1
            }
            let record = Record(failed: outcome == .failure, slow: slow)
            if permit.trial {
                state.trials.append(record)
                if state.trials.count >= config.permittedCallsInHalfOpen { decideAfterTrials(&state, now: now) }
            } else if state.current == .closed {
                addToWindow(&state, record)
                if let reason = tripReason(state.window) { transition(&state, to: .open, reason: reason, now: now) }
            }
        }
    }

    /// Runs `body` under the breaker; `classify` says how a thrown error counts.
    public func call<T: Sendable>(classify: (any Error) -> CallOutcome, _ body: () async throws -> T) async throws -> T {
        let permit = try acquire()
        do {
            let value = try await body()
            record(permit, .success)
            return value
        } catch {
            record(permit, Task.isCancelled ? .ignored : classify(error))
            throw error
        }
    }

    // MARK: Administration

    public enum Action: String, Sendable, CaseIterable {
        case forceOpen = "force_open"
        case forceClosed = "force_closed"
        case disable
        case reset
    }

    /// Applies an admin action; `force_closed` and `reset` both close with an empty window,
    /// `reset` also clears the totals and the transition history.
    public func apply(_ action: Action, actor: String) {
        let now = clock.now()
        state.withLock { state in
            switch action {
            case .forceOpen: transition(&state, to: .forcedOpen, reason: "forced open by \(actor)", now: now)
            case .forceClosed: transition(&state, to: .closed, reason: "forced closed by \(actor)", now: now)
            case .disable: transition(&state, to: .disabled, reason: "disabled by \(actor)", now: now)
            case .reset:
                let from = state.current
                let lifetime = state.lifetime
                state = State(since: now)
                state.lifetime = lifetime
                state.generation = 1
                state.transitions = [Transition(at: now, from: from, to: .closed, reason: "reset by \(actor)")]
            }
        }
    }

    public var currentState: BreakerState {
        let now = clock.now()
        return state.withLock { state in
            advanceByTime(&state, now: now)
            return state.current
        }
    }

    public func snapshot() -> Snapshot {
        let now = clock.now()
        return state.withLock { state in
            advanceByTime(&state, now: now)
            let records = state.current == .halfOpen ? state.trials : state.window
            let failed = records.filter(\.failed).count
            let slow = records.filter(\.slow).count
            let enough = records.count >= min(config.minimumCalls, config.windowSize)
            let rate = { (count: Int) in enough && !records.isEmpty ? Double(count) * 100 / Double(records.count) : -1 }
            return Snapshot(
                name: name, state: state.current, since: state.since,
                nextAttemptAt: state.current == .open ? state.since.addingTimeInterval(config.waitInOpen) : nil,
                bufferedCalls: records.count, failedCalls: failed, slowCalls: slow, failureRate: rate(failed), slowCallRate: rate(slow),
                totals: state.totals, lifetime: state.lifetime, transitions: state.transitions, config: config)
        }
    }

    // MARK: State machine

    /// OPEN becomes HALF_OPEN once its wait is over; HALF_OPEN that waited too long for its
    /// trial calls opens again.
    private func advanceByTime(_ state: inout State, now: Date) {
        if state.current == .open, now >= state.since.addingTimeInterval(config.waitInOpen) {
            transition(&state, to: .halfOpen, reason: "waited \(Self.seconds(config.waitInOpen)) in OPEN", now: now)
        }
        if state.current == .halfOpen, config.maxWaitInHalfOpen > 0, now >= state.since.addingTimeInterval(config.maxWaitInHalfOpen) {
            transition(&state, to: .open, reason: "trial calls did not finish within \(Self.seconds(config.maxWaitInHalfOpen))", now: now)
        }
    }

    private func addToWindow(_ state: inout State, _ record: Record) {
        if state.window.count < config.windowSize {
            state.window.append(record)
        } else {
            state.window[state.windowNext] = record
        }
        state.windowNext = (state.windowNext + 1) % config.windowSize
    }

    /// Why these outcomes should open the breaker, or nil.
    private func tripReason(_ records: [Record], minimum: Int? = nil) -> String? {
        guard records.count >= (minimum ?? min(config.minimumCalls, config.windowSize)), !records.isEmpty else { return nil }
        let failureRate = Double(records.filter(\.failed).count) * 100 / Double(records.count)
        let slowRate = Double(records.filter(\.slow).count) * 100 / Double(records.count)
        if failureRate >= config.failureRateThreshold {
            return "failure rate \(Self.percent(failureRate)) ≥ \(Self.percent(config.failureRateThreshold)) over \(records.count) calls"
        }
        if slowRate >= config.slowCallRateThreshold {
            return "slow-call rate \(Self.percent(slowRate)) ≥ \(Self.percent(config.slowCallRateThreshold)) over \(records.count) calls"
        }
        return nil
    }

    private func decideAfterTrials(_ state: inout State, now: Date) {
        if let reason = tripReason(state.trials, minimum: state.trials.count) {
            transition(&state, to: .open, reason: "trial calls: " + reason, now: now)
        } else {
            transition(&state, to: .closed, reason: "\(state.trials.count) trial calls succeeded", now: now)
        }
    }

    private func transition(_ state: inout State, to next: BreakerState, reason: String, now: Date) {
        let from = state.current
        state.transitions.append(Transition(at: now, from: state.current, to: next, reason: reason))
        if state.transitions.count > Self.keptTransitions { state.transitions.removeFirst(state.transitions.count - Self.keptTransitions) }
        state.current = next
        state.since = now
        state.generation += 1
        // OPEN keeps the window that tripped it, for the console; every other state starts afresh.
        if next != .open || from != .closed {
            state.window = []
            state.windowNext = 0
        }
        state.trials = []
        state.trialsIssued = 0
    }

    static func percent(_ value: Double) -> String { String(format: "%.0f%%", value) }
    static func seconds(_ value: TimeInterval) -> String { value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value) }
}
