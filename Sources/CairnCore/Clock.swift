import Foundation
import Synchronization

/// Wall-clock time source; tests inject `ManualClock` to control time.
///
/// ```swift
/// let clock = ManualClock()
/// let breaker = CircuitBreaker(name: "provider:test", clock: clock)
/// clock.advance(by: 30)       // time moves only when the test says so
/// ```
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The real clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to.
public final class ManualClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
