import CairnCore
import Foundation
import GRDB

/// A thread (a conversation with agents) owned by one user.
public struct ThreadRecord: Sendable, Equatable {
    public var id: ThreadID
    public var userID: UserID
    public var title: String
    public var agent: String
    public var archived: Bool
    public var messageCount: Int
    public var createdAt: Date
    public var updatedAt: Date

    init(row: Row) throws {
        guard let id = ThreadID(row["id"]), let userID = UserID(row["user_id"]) else { throw CairnError(.internal, "corrupt thread row") }
        self.id = id
        self.userID = userID
        title = row["title"]
        agent = row["agent"]
        archived = row["archived"]
        messageCount = row["message_count"]
        createdAt = Date(millis: row["created_at"])
        updatedAt = Date(millis: row["updated_at"])
    }
}
