import Synchronization

/// A run's deadline, which ends when the run does: a finished run is not held until its
/// deadline. The engine's one `DeadlineWatch` does the waiting.
///
/// ```swift
/// let deadline = RunDeadline(watch: deadlines)
/// // run task, when it ends:  deadline.runEnded()
/// deadline.watch(until: context.deadline) { context.stop.set(.timeout); task.cancel() }
/// ```
final class RunDeadline: Sendable {
    private let deadlines: DeadlineWatch
    private let state = Mutex<(token: UInt64?, ended: Bool)>((nil, false))

    init(watch deadlines: DeadlineWatch) { self.deadlines = deadlines }

    /// `expire` runs at `instant` (within a quarter second) unless the run ended first.
    func watch(until instant: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) {
        let token = deadlines.add(until: instant, expire: expire)
        let endedAlready = state.withLock { state -> Bool in
            state.token = token
            return state.ended
        }
        if endedAlready { deadlines.remove(token) }
    }

    /// The run is over: its deadline is forgotten now.
    func runEnded() {
        let token = state.withLock { state -> UInt64? in
            state.ended = true
            defer { state.token = nil }
            return state.token
        }
        if let token { deadlines.remove(token) }
    }
}
