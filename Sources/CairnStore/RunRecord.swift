import CairnCore
import Foundation
import GRDB

/// A run: one agent answering one user message.
public struct RunRecord: Sendable, Equatable, StoredRecord {
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

    public static let databaseTableName = "runs"

    enum CodingKeys: String, CodingKey {
        case id, agent, status, input
        case threadID = "thread_id"
        case userID = "user_id"
        case agentVersion = "agent_version"
        case errorCode = "error_code"
        case errorMessage = "error_message"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case resumedFrom = "resumed_from"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}
