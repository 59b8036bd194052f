import CairnCore
import Foundation
import GRDB

/// One message in a thread.
public struct MessageRecord: Sendable, Equatable {
    public var id: MessageID
    public var threadID: ThreadID
    public var role: MessageRole
    public var content: String
    public var runID: RunID?
    public var createdAt: Date

    public init(id: MessageID, threadID: ThreadID, role: MessageRole, content: String, runID: RunID?, createdAt: Date) {
        self.id = id
        self.threadID = threadID
        self.role = role
        self.content = content
        self.runID = runID
        self.createdAt = createdAt
    }

    init(row: Row) throws {
        guard let id = MessageID(row["id"]), let threadID = ThreadID(row["thread_id"]), let role = MessageRole(rawValue: row["role"]) else {
            throw CairnError(.internal, "corrupt message row")
        }
        self.id = id
        self.threadID = threadID
        self.role = role
        content = row["content"]
        runID = (row["run_id"] as String?).flatMap(RunID.init)
        createdAt = Date(millis: row["created_at"])
    }
}
