import CairnCore
import CairnStore
import Foundation
import Synchronization

/// The tokens of every model call of a run, stored with the run's end.
final class UsageCounter: Sendable {
    private let calls = Mutex<[ModelCallUsage]>([])
    func add(_ call: ModelCallUsage) { calls.withLock { $0.append(call) } }
    var all: [ModelCallUsage] { calls.withLock { $0 } }
}
