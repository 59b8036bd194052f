import CairnAuth
import CairnCore
import CairnStore
import Foundation
import NIOWebSocket
import Synchronization

/// One socket's outbound side: a bounded frame queue and, per run, the range of seqs sent, so
/// replay and live delivery never send a gap or a duplicate. Delivery never waits for the client.
final class GatewayConnection: Sendable {
    let principal: Principal
    let runs: RunRepository
    let counters: GatewayCounters
    let cache: FrameCache
    let frames: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    /// Yields once when the server decides to close this socket.
    let closeRequests: AsyncStream<Void>
    private let closeRequested: AsyncStream<Void>.Continuation
    private let state = Mutex((sent: [RunID: (low: Int, high: Int)](), closeCode: WebSocketErrorCode?.none, closeReason: String?.none,
                               held: [RunID: [RunEvent]](), holding: true))
    /// Serializes delivery so replayed and live events of one run interleave correctly.
    private let delivery = DeliveryLock()

    init(principal: Principal, runs: RunRepository, queueLimit: Int, counters: GatewayCounters, cache: FrameCache = FrameCache(capacity: 256)) {
        self.principal = principal
        self.runs = runs
        self.counters = counters
        self.cache = cache
        (frames, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(queueLimit))
        (closeRequests, closeRequested) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    var closeCode: WebSocketErrorCode? { state.withLock { $0.closeCode } }
    var closeReason: String? { state.withLock { $0.closeReason } }

    func send(_ frame: String) {
        if case .dropped = continuation.yield(frame) {
            counters.state.withLock { $0.slowConsumersDropped += 1 }
            close(WebSocketGateway.tryAgainLater, reason: "client is not reading its events")
        }
    }

    func close(_ code: WebSocketErrorCode, reason: String) {
        state.withLock { if $0.closeCode == nil { $0.closeCode = code; $0.closeReason = reason } }
        continuation.finish()
        closeRequested.yield()
        closeRequested.finish()
    }

    func finish() { continuation.finish() }

    /// Runs `body` with live delivery held back, so a reply it queues precedes the events it causes.
    func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await delivery.run(body)
    }

    /// A live event: sent once; a jump in seq is filled from the log first. Until
    /// `releaseHeld()` (a moment after connecting), events of runs that were already under way
    /// when the socket opened are held back: a reconnecting client resumes them, and its
    /// `resume` must not race the live stream into sending seqs out of order.
    func deliver(_ event: RunEvent) async throws {
        try await delivery.run {
            let held = state.withLock { state -> Bool in
                guard state.holding, state.sent[event.runID] == nil, event.seq > 1 || state.held[event.runID] != nil else { return false }
                state.held[event.runID, default: []].append(event)
                return true
            }
            if !held { try await send(live: event) }
        }
    }

    /// Ends the hold: runs nobody resumed are sent from their first held event on.
    func releaseHeld() async throws {
        try await delivery.run {
            let held = state.withLock { state in
                state.holding = false
                defer { state.held = [:] }
                return state.held
            }
            for event in held.values.flatMap({ $0 }).sorted(by: { ($0.runID.rawValue, $0.seq) < ($1.runID.rawValue, $1.seq) }) {
                try await send(live: event)
            }
        }
    }

    private func send(live event: RunEvent) async throws {
        guard let range = sentRange(event.runID) else {
            record(event.runID, low: event.seq, high: event.seq)
            emit(event)
            return
        }
        if event.seq <= range.high { return }
        if event.seq > range.high + 1 { try await sendTail(runID: event.runID, after: range.high) }
        if let high = sentRange(event.runID)?.high, event.seq > high {
            record(event.runID, low: range.low, high: event.seq)
            emit(event)
        }
    }

    /// `resume`: every stored event after `after` that this socket has not sent yet; live events
    /// continue from there. Returns false for a run that is not the caller's.
    func replay(runID: RunID, after: Int) async throws -> Bool {
        try await delivery.run {
            guard try await runs.run(id: runID, userID: principal.userID) != nil else { return false }
            // Held live events of this run are in the log; the replay sends them in order.
            state.withLock { _ = $0.held.removeValue(forKey: runID) }
            let stored = try await runs.events(runID: runID, userID: principal.userID, after: after) ?? []
            let range = sentRange(runID)
            for event in stored where !(range.map { $0.low...$0.high ~= event.seq } ?? false) { emit(event) }
            record(runID, low: min(range?.low ?? after + 1, after + 1), high: max(range?.high ?? after, stored.last?.seq ?? after))
            return true
        }
    }

    /// Sends the stored events after `after` and records them as sent.
    private func sendTail(runID: RunID, after: Int) async throws {
        let stored = try await runs.events(runID: runID, userID: principal.userID, after: after) ?? []
        guard let last = stored.last?.seq, let low = sentRange(runID)?.low else { return }
        stored.forEach(emit)
        record(runID, low: low, high: last)
    }

    /// The seqs of a run this socket has sent: contiguous from `low` through `high`.
    private func sentRange(_ runID: RunID) -> (low: Int, high: Int)? { state.withLock { $0.sent[runID] } }

    private func record(_ runID: RunID, low: Int, high: Int) { state.withLock { $0.sent[runID] = (low, high) } }

    private func emit(_ event: RunEvent) { send(cache.text(for: event)) }
}

/// An async mutual exclusion for the delivery path.
actor DeliveryLock {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        while busy { await withCheckedContinuation { waiters.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}
