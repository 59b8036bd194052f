import AsyncHTTPClient
import CairnCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// When data last arrived on a provider stream.
final class LastActivity: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    func touch() { instant.withLock { $0 = .now } }
    var value: ContinuousClock.Instant { instant.withLock { $0 } }
}
