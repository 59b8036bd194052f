import CairnAgents
import CairnAuth
import CairnCore
import Foundation
import NIOWebSocket
import Synchronization

/// One socket's outbound side: a bounded frame queue and, per run, the range of seqs sent, so
/// replay and live delivery never send a gap or a duplicate. Delivery never waits for the client.
/// A live event that follows the last one sent goes straight to the queue; only gap fills,
/// replays and the hold after connecting take the (asynchronous) delivery lock.
final class GatewayConnection: Sendable {
    let principal: Principal
    let log: RunLog
    /// Counts a socket dropped for not reading.
    let metrics: GatewayMetrics
    let frames: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    /// Called once, when the server first decides to close this socket.
    private let onClose: @Sendable () -> Void
    private struct State {
        var sent: [RunID: (low: Int, high: Int)] = [:]
        var closeCode: WebSocketErrorCode?
        var closeReason: String?
        var held: [RunID: [RunEvent]] = [:]
        var holding = true
        /// Deliveries inside or waiting for the delivery lock; while any is, live events queue behind them.
        var slow = 0
        /// Finished runs, oldest first: a socket that lives for days remembers only the last
        /// `rememberedRuns` of them (a resume of an older one is answered from the log in full).
        var finishedRuns: [RunID] = []

        mutating func finished(_ run: RunID) {
            finishedRuns.append(run)
            if finishedRuns.count > GatewayConnection.rememberedRuns { sent.removeValue(forKey: finishedRuns.removeFirst()) }
        }
    }
    static let rememberedRuns = 256
    private let state = Mutex(State())
    /// Serializes the slow deliveries so replayed and live events of one run interleave correctly.
    private let delivery = DeliveryLock()

    init(principal: Principal, log: RunLog, queueLimit: Int, metrics: GatewayMetrics, onClose: @escaping @Sendable () -> Void = {}) {
        self.principal = principal
        self.log = log
        self.metrics = metrics
        self.onClose = onClose
        (frames, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(queueLimit))
    }

    var closeCode: WebSocketErrorCode? { state.withLock { $0.closeCode } }
    var closeReason: String? { state.withLock { $0.closeReason } }

    func send(_ frame: String) {
        if case .dropped = continuation.yield(frame) {
            metrics.slowConsumerDropped()
            close(WebSocketGateway.tryAgainLater, reason: "client is not reading its events")
        }
    }

    func close(_ code: WebSocketErrorCode, reason: String) {
        let first = state.withLock { state -> Bool in
            guard state.closeCode == nil else { return false }
            (state.closeCode, state.closeReason) = (code, reason)
            return true
        }
        continuation.finish()
        if first { onClose() }
    }

    func finish() { continuation.finish() }

    /// Runs `body` with live delivery held back, so a reply it queues precedes the events it causes.
    func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await slowly(body)
    }

    /// A live event: sent once; a jump in seq is filled from the log first. Until
    /// `releaseHeld()` (a moment after connecting), events of runs that were already under way
    /// when the socket opened are held back: a reconnecting client resumes them, and its
    /// `resume` must not race the live stream into sending seqs out of order.
    func deliver(_ event: RunEvent) async throws {
        // The fast path: nothing slow under way and the event is the next of its run (or new). It
        // queues the frame under the lock, so no slow delivery can slip a later seq in before it.
        enum Fast { case sent, overflowed, slow }
        let fast = state.withLock { state -> Fast in
            guard state.slow == 0, !state.holding else { return .slow }
            let range = state.sent[event.runID]
            if let range {
                if event.seq <= range.high { return .sent }
                if event.seq != range.high + 1 { return .slow }
            }
            state.sent[event.runID] = (range?.low ?? event.seq, event.seq)
            if event.type == .runCompleted { state.finished(event.runID) }
            if case .dropped = continuation.yield(event.envelopeJSON) { return .overflowed }
            return .sent
        }
        switch fast {
        case .sent: return
        case .overflowed:
            metrics.slowConsumerDropped()
            close(WebSocketGateway.tryAgainLater, reason: "client is not reading its events")
            return
        case .slow: break
        }
        try await slowly {
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
        try await slowly {
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

    /// Runs `body` under the delivery lock, with live events kept off the fast path meanwhile.
    private func slowly<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        state.withLock { $0.slow += 1 }
        defer { state.withLock { $0.slow -= 1 } }
        return try await delivery.run(body)
    }

    private func send(live event: RunEvent) async throws {
        guard let range = sentRange(event.runID) else {
            record(event.runID, low: event.seq, high: event.seq)
            send(event.envelopeJSON)
            return
        }
        if event.seq <= range.high { return }
        if event.seq > range.high + 1 { try await sendTail(runID: event.runID, after: range.high) }
        if let high = sentRange(event.runID)?.high, event.seq > high {
            record(event.runID, low: range.low, high: event.seq)
            send(event.envelopeJSON)
            if event.type == .runCompleted { state.withLock { $0.finished(event.runID) } }
        }
    }

    /// `resume`: every stored event after `after` that this socket has not sent yet; live events
    /// continue from there. Returns false for a run that is not the caller's.
    func replay(runID: RunID, after: Int) async throws -> Bool {
        try await slowly {
            // Held live events of this run are in the log; the replay sends them in order.
            state.withLock { _ = $0.held.removeValue(forKey: runID) }
            guard let stored = try await log.events(run: runID, user: principal.userID, after: after) else { return false }
            let range = sentRange(runID)
            for event in stored where !(range.map { $0.low...$0.high ~= event.seq } ?? false) { send(event.envelopeJSON) }
            record(runID, low: min(range?.low ?? after + 1, after + 1), high: max(range?.high ?? after, stored.last?.seq ?? after))
            return true
        }
    }

    /// Sends the stored events after `after` and records them as sent.
    private func sendTail(runID: RunID, after: Int) async throws {
        let stored = try await log.events(run: runID, user: principal.userID, after: after) ?? []
        guard let last = stored.last?.seq, let low = sentRange(runID)?.low else { return }
        for event in stored { send(event.envelopeJSON) }
        record(runID, low: low, high: last)
    }

    /// The seqs of a run this socket has sent: contiguous from `low` through `high`.
    private func sentRange(_ runID: RunID) -> (low: Int, high: Int)? { state.withLock { $0.sent[runID] } }

    private func record(_ runID: RunID, low: Int, high: Int) { state.withLock { $0.sent[runID] = (low, high) } }
}
