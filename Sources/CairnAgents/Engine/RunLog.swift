import CairnCore
import CairnStore
import Foundation
import Logging
import Synchronization

/// The one owner of the run event log. Writers `append` events (and a run's start, pipeline
/// steps and `finish`) without waiting for the disk: the writes of all runs join shared group
/// commits, one transaction each, in the order they were made. An event reaches followers only
/// once the commit holding it is durable, in `seq` order. Readers never touch the repository or
/// the live feed themselves: `follow(run:user:after:)` replays from the log, follows live
/// events, fills gaps and ends at `run_completed`; `subscribe(user:)` is the live feed of all of
/// a user's runs (for `/ws`), and `events(run:user:after:)` reads the stored log.
///
/// ```swift
/// let log = RunLog(runs: repository, logger: logger)
/// try await log.append(event)                      // queued; the run goes on
/// try await log.finish(RunFinish(...))             // returns once the run's end is durable
/// _ = try await log.follow(run: id, user: user, after: 0) { event in send(event.sseFrame) }
/// ```
public final class RunLog: Sendable {
    /// Writes waiting beyond this make writers wait for the disk (a stuck disk must not grow memory).
    static let highWater = 20_000
    /// Delays before retrying a group commit the database refused (busy, full): about 8 s in all,
    /// after which each run of the commit is tried alone, and a run whose writes are still refused
    /// is given up (the next start closes it as interrupted).
    static let retryDelays: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(2), .seconds(2),
    ]

    private let runs: RunRepository
    private let logger: Logger
    private let bus = EventBus()
    private let state = Mutex(State())

    private struct Pending {
        let write: RunLogWrite
        /// Resumed when the write is durable (or refused).
        let waiter: CheckedContinuation<Void, any Error>?
    }

    private struct State {
        var pending: [Pending] = []
        var flushing = false
        /// Runs whose writes the database refused for good: their later writes are refused too.
        var broken: Set<RunID> = []
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
        var transactions = 0
        var eventsWritten = 0
    }

    public init(runs: RunRepository, logger: Logger) {
        self.runs = runs
        self.logger = logger
    }

    // MARK: Writing

    /// Opens a run: its user message, the run row and its opening events in one transaction,
    /// published once it commits. Returns the run as stored.
    public func open(_ new: NewRun, openingEvents: [RunEvent], now: Date) async throws -> RunRecord {
        let run = try await runs.create(new, openingEvents: openingEvents, now: now)
        bus.publish(openingEvents)
        return run
    }

    /// Queues an event for the next group commit and returns at once (waiting only when the
    /// disk is far behind). Throws when an earlier commit of this run was refused for good.
    public func append(_ event: RunEvent) async throws {
        if try enqueue(.event(event)) { await waitForRoom() }
    }

    /// Queues the run's start (status `running`) with its events.
    public func started(_ runID: RunID, at: Date) async throws {
        if try enqueue(.started(runID, at: at)) { await waitForRoom() }
    }

    /// Queues a pipeline step's outcome with the run's events.
    public func step(_ step: RunStep) async throws {
        if try enqueue(.step(step)) { await waitForRoom() }
    }

    /// Ends a run: its closing events, status, answer and usage in one transaction, after every
    /// earlier write of the run; returns once durable, and the closing events are then published.
    public func finish(_ finish: RunFinish) async throws {
        try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
            let refused = state.withLock { state -> Bool in
                if state.broken.remove(finish.runID) != nil { return true }
                state.pending.append(Pending(write: .finish(finish), waiter: waiter))
                startFlushing(&state)
                return false
            }
            if refused { waiter.resume(throwing: Self.refusal) }
        }
    }

    /// Queues a write without waiting, for callers that must number and queue under one lock;
    /// true asks the caller to `waitForRoom()` (the disk is far behind).
    func enqueue(_ write: RunLogWrite) throws -> Bool {
        try state.withLock { state -> Bool in
            guard !state.broken.contains(write.runID) else { throw Self.refusal }
            state.pending.append(Pending(write: write, waiter: nil))
            startFlushing(&state)
            return state.pending.count > Self.highWater
        }
    }

    /// Returns once the writes waiting for the disk are fewer than `highWater`.
    func waitForRoom() async {
        await withCheckedContinuation { waiter in
            let wait = state.withLock { state -> Bool in
                guard state.pending.count > Self.highWater else { return false }
                state.roomWaiters.append(waiter)
                return true
            }
            if !wait { waiter.resume() }
        }
    }

    private static let refusal = CairnError(.unavailable, "the run's events could not be stored")

    private func startFlushing(_ state: inout State) {
        guard !state.flushing else { return }
        state.flushing = true
        // The flush loop ends as soon as nothing is pending; the next write starts another.
        Task { await self.flush() }
    }

    private func flush() async {
        while true {
            let (batch, room) = state.withLock { state -> ([Pending], [CheckedContinuation<Void, Never>]) in
                if state.pending.isEmpty { state.flushing = false }
                defer {
                    state.pending.removeAll(keepingCapacity: true)
                    state.roomWaiters.removeAll()
                }
                return (state.pending, state.roomWaiters)
            }
            for waiter in room { waiter.resume() }
            guard !batch.isEmpty else { return }
            if await commit(batch, retrying: true) {
                published(batch)
                continue
            }
            // A refused group commit is retried run by run, so one run's bad write cannot take
            // the other runs of its commit down with it.
            var groups: [RunID: [Pending]] = [:]
            var order: [RunID] = []
            for item in batch {
                if groups[item.write.runID] == nil { order.append(item.write.runID) }
                groups[item.write.runID, default: []].append(item)
            }
            for runID in order {
                let group = groups[runID] ?? []
                if order.count > 1, await commit(group, retrying: false) { published(group) } else { refused(group, run: runID) }
            }
        }
    }

    /// A durable group: counted, its events published in order, its waiters resumed.
    private func published(_ batch: [Pending]) {
        let events = batch.reduce(into: 0) { count, item in if case .event = item.write { count += 1 } }
        state.withLock {
            $0.transactions += 1
            $0.eventsWritten += events
        }
        for item in batch {
            switch item.write {
            case .event(let event): bus.publish(event)
            case .finish(let finish): bus.publish(finish.closingEvents)
            case .started, .step: break
            }
            item.waiter?.resume()
        }
    }

    /// A run whose writes the database refused for good: its later writes would leave gaps in its
    /// log, so they are refused too, until the run's end (which the next start then writes).
    private func refused(_ group: [Pending], run: RunID) {
        let dropped = state.withLock { state -> [Pending] in
            let dropped = state.pending.filter { $0.write.runID == run }
            state.pending.removeAll { $0.write.runID == run }
            let ended = (group + dropped).contains { if case .finish = $0.write { true } else { false } }
            if !ended { state.broken.insert(run) }
            return dropped
        }
        for item in group + dropped { item.waiter?.resume(throwing: Self.refusal) }
    }

    /// Writes one group commit; with `retrying`, again while the database refuses it for a
    /// passing reason (busy, full).
    private func commit(_ batch: [Pending], retrying: Bool) async -> Bool {
        let writes = batch.map(\.write)
        for attempt in 0...Self.retryDelays.count {
            do {
                try await runs.write(writes)
                return true
            } catch {
                guard retrying, Store.unavailability(error) != nil, attempt < Self.retryDelays.count else {
                    logger.error("a run log commit failed", metadata: ["error": "\(error)", "runs": "\(Set(writes.map(\.runID.rawValue)).count)"])
                    return false
                }
                try? await Task.sleep(for: Self.retryDelays[attempt])
            }
        }
        return false
    }

    /// Group commits written and the events they carried (for benchmarks and metrics).
    public var statistics: (transactions: Int, events: Int) { state.withLock { ($0.transactions, $0.eventsWritten) } }

    // MARK: Reading

    /// Stored events of the user's run with `seq > after`, in order; nil when the run is not the user's.
    public func events(run: RunID, user: UserID, after: Int) async throws -> [RunEvent]? {
        try await runs.events(runID: run, userID: user, after: after)
    }

    /// The live feed of every run of `user`: each event once it is durable. A subscriber more than
    /// `buffer` events behind is dropped (its stream ends) and catches up from the log.
    public func subscribe(user: UserID, buffer: Int) -> EventBus.Subscription {
        bus.subscribe(userID: user, buffer: buffer)
    }

    public func unsubscribe(_ subscription: EventBus.Subscription) {
        bus.unsubscribe(subscription.id, userID: subscription.userID)
    }

    /// Every event of the user's run after `after`, each exactly once and in order: replayed from
    /// the log, then live as each becomes durable (a gap is filled from the log), until
    /// `run_completed` or until `deliver` answers false. Returns false when the run is not the user's.
    public func follow(
        run: RunID, user: UserID, after: Int, buffer: Int = 4096,
        _ deliver: (RunEvent) async throws -> Bool
    ) async throws -> Bool {
        var last = after
        /// True when the stream is over: the run completed or the reader went away.
        func send(_ events: [RunEvent]) async throws -> Bool {
            for event in events where event.seq > last {
                guard try await deliver(event) else { return true }
                last = event.seq
                if event.type == .runCompleted { return true }
            }
            return false
        }
        // Subscribe, catch up from the log, then follow live events. If the feed drops this
        // follower for falling behind, its stream ends and the loop catches up again.
        while !Task.isCancelled {
            let subscription = subscribe(user: user, buffer: buffer)
            defer { unsubscribe(subscription) }
            guard let stored = try await events(run: run, user: user, after: last) else { return false }
            if try await send(stored) { return true }
            // A long log is read in pages: keep reading until it is caught up.
            if stored.count >= RunRepository.eventPage { continue }
            // Already over (asked from its last event or beyond): the final status and the closing
            // events commit together, so one more read sends whatever is left.
            if try await runs.run(id: run, userID: user)?.status.isFinal == true {
                _ = try await send(try await events(run: run, user: user, after: last) ?? [])
                return true
            }
            for await event in subscription.events where event.runID == run {
                if event.seq <= last { continue }
                let batch = event.seq == last + 1 ? [event] : (try await events(run: run, user: user, after: last) ?? [])
                if try await send(batch) { return true }
            }
        }
        return true
    }
}
