import CairnCore
import Foundation
import GRDB

/// One message in a thread.
public struct MessageRecord: Sendable, Equatable, DecodedRecord {
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

    enum CodingKeys: String, CodingKey {
        case id, role, content
        case threadID = "thread_id"
        case runID = "run_id"
        case createdAt = "created_at"
    }
}
