import CairnCore
import Foundation
import GRDB

/// A thread (a conversation with agents) owned by one user.
public struct ThreadRecord: Sendable, Equatable, StoredRecord {
    public var id: ThreadID
    public var userID: UserID
    public var title: String
    public var agent: String
    public var archived: Bool
    public var messageCount: Int
    public var createdAt: Date
    public var updatedAt: Date

    public static let databaseTableName = "threads"

    enum CodingKeys: String, CodingKey {
        case id, title, agent, archived
        case userID = "user_id"
        case messageCount = "message_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
