import CairnCore
import Foundation
import GRDB

/// A run: one agent answering one user message.
public struct RunRecord: Sendable, Equatable {
    public var id: RunID
    public var threadID: ThreadID
    public var userID: UserID
    public var agent: String
    public var agentVersion: Int
    public var status: RunStatus
    public var input: String
    public var errorCode: String?
    public var errorMessage: String?
    public var inputTokens: Int
    public var outputTokens: Int
    public var resumedFrom: RunID?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    init(
        id: RunID, threadID: ThreadID, userID: UserID, agent: String, agentVersion: Int, status: RunStatus, input: String,
        resumedFrom: RunID?, createdAt: Date
    ) {
        self.id = id
        self.threadID = threadID
        self.userID = userID
        self.agent = agent
        self.agentVersion = agentVersion
        self.status = status
        self.input = input
        inputTokens = 0
        outputTokens = 0
        self.resumedFrom = resumedFrom
        self.createdAt = createdAt
    }

    init(row: Row) throws {
        guard let id = RunID(row["id"]), let threadID = ThreadID(row["thread_id"]), let userID = UserID(row["user_id"]),
            let status = RunStatus(rawValue: row["status"])
        else { throw CairnError(.internal, "corrupt run row") }
        self.id = id
        self.threadID = threadID
        self.userID = userID
        agent = row["agent"]
        agentVersion = row["agent_version"]
        self.status = status
        input = row["input"]
        errorCode = row["error_code"]
        errorMessage = row["error_message"]
        inputTokens = row["input_tokens"]
        outputTokens = row["output_tokens"]
        resumedFrom = (row["resumed_from"] as String?).flatMap(RunID.init)
        createdAt = Date(millis: row["created_at"])
        startedAt = (row["started_at"] as Int64?).map(Date.init(millis:))
        finishedAt = (row["finished_at"] as Int64?).map(Date.init(millis:))
    }
}
