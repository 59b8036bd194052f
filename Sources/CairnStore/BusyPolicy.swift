import Foundation
import Synchronization

/// How long a write waits for a lock another process holds: up to `timeout`, like SQLite's
/// busy timeout; but once a wait has run out, writes that find the lock still taken within
/// `failFastWindow` give up at once. A stuck lock then costs each queued write milliseconds
/// (a quick 503), not `timeout` each in turn (5, 10, 15 s … for the writes behind one another).
///
/// ```swift
/// config.busyMode = .callback(BusyPolicy(timeout: 5).shouldRetry)
/// ```
final class BusyPolicy: Sendable {
    let timeout: Duration
    let failFastWindow: Duration
    private let state = Mutex<(waitStarted: ContinuousClock.Instant?, lastGaveUp: ContinuousClock.Instant?)>((nil, nil))
    static let pause: useconds_t = 10_000

    init(timeout: TimeInterval, failFastWindow: Duration = .seconds(2)) {
        self.timeout = .milliseconds(Int(timeout * 1000))
        self.failFastWindow = failFastWindow
    }

    /// SQLite's busy handler: true to try again (after a short pause), false to give up with SQLITE_BUSY.
    /// Connections serialize their statements, and the writer is one connection, so one wait is timed at a time.
    func shouldRetry(_ tries: Int) -> Bool {
        let now = ContinuousClock.now
        let retry = state.withLock { state -> Bool in
            if tries == 0 { state.waitStarted = now }
            if let gaveUp = state.lastGaveUp, now - gaveUp < failFastWindow, tries > 0 {
                state.lastGaveUp = now
                return false
            }
            if let started = state.waitStarted, now - started >= timeout {
                state.lastGaveUp = now
                return false
            }
            return true
        }
        if retry { usleep(Self.pause) }
        return retry
    }
}
