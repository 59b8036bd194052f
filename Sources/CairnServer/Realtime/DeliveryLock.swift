import CairnAgents
import CairnAuth
import CairnCore
import Foundation
import NIOWebSocket
import Synchronization

/// An async mutual exclusion for the delivery path.
actor DeliveryLock {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        while busy { await withCheckedContinuation { waiters.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}
