import CairnCore
import Foundation
import Synchronization

/// Sliding-window limiter: at most `limit` events per key in any `window` seconds.
/// In memory by design: limits are about the next minutes, not security state to keep.
public final class RateLimiter: Sendable {
    private let events = Mutex<[String: [Date]]>([:])
    private let clock: any WallClock
    private let maxKeys: Int

    public init(clock: any WallClock, maxKeys: Int = 100_000) {
        self.clock = clock
        self.maxKeys = maxKeys
    }

    /// Records an event when allowed and returns nil; otherwise returns the whole seconds to wait.
    public func attempt(_ key: String, limit: Int, window: TimeInterval) -> Int? {
        let now = clock.now()
        return events.withLock { events in
            var log = events[key, default: []].filter { now.timeIntervalSince($0) < window }
            if log.count >= limit, let oldest = log.first {
                events[key] = log
                return max(1, Int((oldest.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
            }
            log.append(now)
            events[key] = log
            if events.count > maxKeys {
                events = events.filter { _, times in times.contains { now.timeIntervalSince($0) < window } }
            }
            return nil
        }
    }

    /// Forgets a key (for example after a successful login).
    public func reset(_ key: String) {
        _ = events.withLock { $0.removeValue(forKey: key) }
    }

    /// Forgets every key that starts with `prefix`.
    public func reset(prefix: String) {
        events.withLock { $0 = $0.filter { !$0.key.hasPrefix(prefix) } }
    }

    /// Whole seconds until the newest event of `key` leaves `window`, or nil when none is inside it.
    public func remaining(_ key: String, window: TimeInterval) -> Int? {
        let now = clock.now()
        return events.withLock { events in
            guard let newest = events[key]?.last, now.timeIntervalSince(newest) < window else { return nil }
            return max(1, Int(newest.addingTimeInterval(window).timeIntervalSince(now).rounded(.up)))
        }
    }

    /// Events currently counted for `key` within `window`.
    public func count(_ key: String, window: TimeInterval) -> Int {
        let now = clock.now()
        return events.withLock { $0[key, default: []].filter { now.timeIntervalSince($0) < window }.count }
    }
}
