import CairnCore
import Foundation
import GRDB

/// What a new run needs stored before it is scheduled.
public struct NewRun: Sendable {
    public let runID: RunID
    public let threadID: ThreadID
    public let userID: UserID
    public let agent: String
    public let agentVersion: Int
    public let input: String
    public let messageID: MessageID
    public let resumedFrom: RunID?
    /// Create the thread with this title when it does not exist yet.
    public let createThreadTitle: String?

    public init(
        runID: RunID, threadID: ThreadID, userID: UserID, agent: String, agentVersion: Int, input: String,
        messageID: MessageID, resumedFrom: RunID? = nil, createThreadTitle: String? = nil
    ) {
        self.runID = runID
        self.threadID = threadID
        self.userID = userID
        self.agent = agent
        self.agentVersion = agentVersion
        self.input = input
        self.messageID = messageID
        self.resumedFrom = resumedFrom
        self.createThreadTitle = createThreadTitle
    }
}
