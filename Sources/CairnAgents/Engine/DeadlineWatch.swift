import Synchronization

/// Every run's deadline, watched by one task that wakes four times a second while any deadline
/// is pending. A per-run sleeping task would do the same, but a cancelled `Task.sleep` keeps
/// its task and timer allocated until the time it was sleeping for (heaptrack showed about 1 KB
/// per finished run held for `runs.timeout_seconds`, which `make soak` saw as steady growth).
///
/// ```swift
/// let watch = DeadlineWatch()
/// let token = watch.add(until: .now + .seconds(600)) { context.stop.set(.timeout); task.cancel() }
/// watch.remove(token)   // the run ended first
/// ```
final class DeadlineWatch: Sendable {
    static let tick = Duration.milliseconds(250)
    private struct State {
        var entries: [UInt64: (instant: ContinuousClock.Instant, expire: @Sendable () -> Void)] = [:]
        var next: UInt64 = 0
        var ticking = false
    }
    private let state = Mutex(State())

    /// Calls `expire` once, within a tick of `instant`, unless the token is removed first.
    func add(until instant: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let (token, start) = state.withLock { state -> (UInt64, Bool) in
            state.next += 1
            state.entries[state.next] = (instant, expire)
            defer { state.ticking = true }
            return (state.next, !state.ticking)
        }
        // The loop ends by itself once no deadline is pending; the next `add` starts another.
        if start { Task { await self.run() } }
        return token
    }

    func remove(_ token: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: token) }
    }

    var pending: Int { state.withLock { $0.entries.count } }

    private func run() async {
        while true {
            // Short, never cancelled: each sleep's timer is gone a tick later.
            try? await Task.sleep(for: Self.tick)
            let now = ContinuousClock.now
            let expired = state.withLock { state -> [@Sendable () -> Void]? in
                let due = state.entries.filter { $0.value.instant <= now }
                for key in due.keys { state.entries.removeValue(forKey: key) }
                if state.entries.isEmpty && due.isEmpty {
                    state.ticking = false
                    return nil
                }
                return due.values.map(\.expire)
            }
            guard let expired else { return }
            for fire in expired { fire() }
        }
    }
}
