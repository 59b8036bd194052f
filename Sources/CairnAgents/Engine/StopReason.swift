import CairnCore
import Foundation
import Synchronization

/// Records why a run's task was cancelled, so the run ends with the right status.
public final class StopReason: Sendable {
    public enum Reason: Sendable, Equatable { case cancelledByUser, timeout, shutdown }
    private let reason = Mutex<Reason?>(nil)

    public init() {}

    /// Keeps the first reason given; later ones do not overwrite it.
    public func set(_ value: Reason) { reason.withLock { if $0 == nil { $0 = value } } }
    public var value: Reason? { reason.withLock { $0 } }
}
