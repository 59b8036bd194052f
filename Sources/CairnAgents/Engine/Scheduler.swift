import CairnCore

/// Admission and ordering of runs, as pure state so it can be tested without tasks: a global
/// limit, a per-user limit, a bounded FIFO queue per user, and round-robin fairness across users.
public struct SchedulerState: Sendable {
    public struct Limits: Sendable, Equatable {
        public var global: Int
        public var perUser: Int
        public var queuePerUser: Int
        public init(global: Int, perUser: Int, queuePerUser: Int) {
            self.global = global
            self.perUser = perUser
            self.queuePerUser = queuePerUser
        }
    }

    public enum Admission: Sendable, Equatable {
        case start
        /// Waiting; the position among the user's queued runs, 1-based.
        case queued(position: Int)
        case rejected
    }

    public var limits: Limits
    private(set) var running: [UserID: Int] = [:]
    private(set) var totalRunning = 0
    private(set) var queues: [UserID: [RunID]] = [:]
    /// Users in the order they are served next; a served user goes to the back.
    private(set) var rotation: [UserID] = []

    public init(limits: Limits) { self.limits = limits }

    public mutating func submit(_ run: RunID, user: UserID) -> Admission {
        let queue = queues[user] ?? []
        if queue.isEmpty, totalRunning < limits.global, running[user, default: 0] < limits.perUser {
            markRunning(user)
            return .start
        }
        guard queue.count < limits.queuePerUser else { return .rejected }
        queues[user, default: []].append(run)
        if !rotation.contains(user) { rotation.append(user) }
        return .queued(position: queue.count + 1)
    }

    /// A run of `user` ended: returns the runs that may start now, in order.
    public mutating func finished(user: UserID) -> [(RunID, UserID)] {
        running[user, default: 1] -= 1
        if running[user] == 0 { running.removeValue(forKey: user) }
        totalRunning -= 1
        return dispatch()
    }

    /// Removes a queued run (cancelled before it started); false when it was not queued.
    public mutating func removeQueued(_ run: RunID, user: UserID) -> Bool {
        guard let index = queues[user]?.firstIndex(of: run) else { return false }
        queues[user]!.remove(at: index)
        if queues[user]!.isEmpty {
            queues.removeValue(forKey: user)
            rotation.removeAll { $0 == user }
        }
        return true
    }

    public func position(of run: RunID, user: UserID) -> Int? {
        queues[user]?.firstIndex(of: run).map { $0 + 1 }
    }

    public var queuedCount: Int { queues.values.reduce(0) { $0 + $1.count } }
    public var runningCount: Int { totalRunning }

    mutating func dispatch() -> [(RunID, UserID)] {
        var started: [(RunID, UserID)] = []
        var progress = true
        while progress, totalRunning < limits.global {
            progress = false
            for user in rotation where running[user, default: 0] < limits.perUser {
                guard var queue = queues[user], !queue.isEmpty else { continue }
                let run = queue.removeFirst()
                queues[user] = queue.isEmpty ? nil : queue
                markRunning(user)
                started.append((run, user))
                rotation.removeAll { $0 == user }
                if !queue.isEmpty { rotation.append(user) }
                progress = true
                break
            }
        }
        return started
    }

    private mutating func markRunning(_ user: UserID) {
        running[user, default: 0] += 1
        totalRunning += 1
    }
}
