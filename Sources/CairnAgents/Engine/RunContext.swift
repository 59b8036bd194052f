import CairnCore
import Foundation
import Synchronization

/// Everything one run knows about who and what it serves. Created per run and passed
/// explicitly to agents, tools and the emitter; nothing global holds a current user.
public struct RunContext: Sendable {
    public let userID: UserID
    public let threadID: ThreadID
    public let runID: RunID
    public let requestID: String?
    /// When the whole run must have finished.
    public let deadline: ContinuousClock.Instant
    /// Why the run is being stopped, set before its task is cancelled.
    public let stop: StopReason

    public init(userID: UserID, threadID: ThreadID, runID: RunID, requestID: String?, deadline: ContinuousClock.Instant, stop: StopReason) {
        self.userID = userID
        self.threadID = threadID
        self.runID = runID
        self.requestID = requestID
        self.deadline = deadline
        self.stop = stop
    }
}
