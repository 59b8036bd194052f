import CairnCore
import Foundation
import Synchronization

/// Sliding-window limiter: at most `limit` events per key in any `window` seconds.
/// In memory by design: limits are about the next minutes, not security state to keep.
/// Keys whose events have all left their window are swept out every `sweepInterval`, so memory
/// follows the keys active in the last window (every email that tried to sign in, every user who
/// opened a socket), not every key ever seen; `maxKeys` bounds it in between.
public final class RateLimiter: Sendable {
    private struct Entry {
        var window: TimeInterval
        var times: [Date]
    }
    private let state: Mutex<(entries: [String: Entry], lastSweep: Date)>
    private let clock: any WallClock
    private let maxKeys: Int
    static let sweepInterval: TimeInterval = 30

    public init(clock: any WallClock, maxKeys: Int = 100_000) {
        self.clock = clock
        self.maxKeys = maxKeys
        state = Mutex(([:], clock.now()))
    }

    /// Records an event when allowed and returns nil; otherwise returns the whole seconds to wait.
    public func attempt(_ key: String, limit: Int, window: TimeInterval) -> Int? {
        let now = clock.now()
        return state.withLock { state in
            var log = (state.entries[key]?.times ?? []).filter { now.timeIntervalSince($0) < window }
            if log.count >= limit, let oldest = log.first {
                state.entries[key] = Entry(window: window, times: log)
                return max(1, Int((oldest.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
            }
            log.append(now)
            state.entries[key] = Entry(window: window, times: log)
            if state.entries.count > maxKeys || now.timeIntervalSince(state.lastSweep) >= Self.sweepInterval {
                state.entries = state.entries.filter { _, entry in entry.times.last.map { now.timeIntervalSince($0) < entry.window } ?? false }
                state.lastSweep = now
            }
            return nil
        }
    }

    /// Keys currently held (for tests and metrics).
    public var keyCount: Int { state.withLock { $0.entries.count } }

    /// Forgets a key (for example after a successful login).
    public func reset(_ key: String) {
        _ = state.withLock { $0.entries.removeValue(forKey: key) }
    }

    /// Forgets every key that starts with `prefix`.
    public func reset(prefix: String) {
        state.withLock { $0.entries = $0.entries.filter { !$0.key.hasPrefix(prefix) } }
    }

    /// Whole seconds until the newest event of `key` leaves `window`, or nil when none is inside it.
    public func remaining(_ key: String, window: TimeInterval) -> Int? {
        let now = clock.now()
        return state.withLock { state in
            guard let newest = state.entries[key]?.times.last, now.timeIntervalSince(newest) < window else { return nil }
            return max(1, Int(newest.addingTimeInterval(window).timeIntervalSince(now).rounded(.up)))
        }
    }

    /// Events currently counted for `key` within `window`.
    public func count(_ key: String, window: TimeInterval) -> Int {
        let now = clock.now()
        return state.withLock { ($0.entries[key]?.times ?? []).filter { now.timeIntervalSince($0) < window }.count }
    }
}
