import Synchronization

/// A run's deadline watchdog, which ends when the run does: a finished run is not held until
/// its deadline (`make soak` found about 5 KB per run kept for `runs.timeout_seconds`).
///
/// ```swift
/// let deadline = RunDeadline()
/// // run task, when it ends:  deadline.runEnded()
/// deadline.watch(until: context.deadline) { context.stop.set(.timeout); task.cancel() }
/// ```
final class RunDeadline: Sendable {
    private let state = Mutex<(watchdog: Task<Void, Never>?, ended: Bool)>((nil, false))

    /// Starts the watchdog; `expire` runs at `instant` unless the run ended first.
    func watch(until instant: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) {
        let watchdog = Task {
            guard (try? await Task.sleep(until: instant)) != nil, !Task.isCancelled else { return }
            expire()
        }
        let endedAlready = state.withLock { state -> Bool in
            state.watchdog = watchdog
            return state.ended
        }
        if endedAlready { watchdog.cancel() }
    }

    /// The run is over: the watchdog stops now.
    func runEnded() {
        let watchdog = state.withLock { state -> Task<Void, Never>? in
            state.ended = true
            defer { state.watchdog = nil }
            return state.watchdog
        }
        watchdog?.cancel()
    }
}
