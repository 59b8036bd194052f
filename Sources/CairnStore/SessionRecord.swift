import CairnCore
import Foundation
import GRDB

/// A login: the server-side anchor of a refresh token.
public struct SessionRecord: Sendable, Equatable {
    public var id: SessionID
    public var userID: UserID
    public var refreshJTI: String
    public var createdAt: Date
    public var lastUsedAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?
    public var revokedReason: String?
    public var ip: String?
    public var userAgent: String?

    public init(id: SessionID, userID: UserID, refreshJTI: String, createdAt: Date, expiresAt: Date, ip: String?, userAgent: String?) {
        self.id = id
        self.userID = userID
        self.refreshJTI = refreshJTI
        self.createdAt = createdAt
        self.lastUsedAt = createdAt
        self.expiresAt = expiresAt
        self.ip = ip
        self.userAgent = userAgent
    }

    init(row: Row) throws {
        guard let id = SessionID(row["id"]), let userID = UserID(row["user_id"]) else {
            throw CairnError(.internal, "corrupt session row")
        }
        self.id = id
        self.userID = userID
        refreshJTI = row["refresh_jti"]
        createdAt = Date(millis: row["created_at"])
        lastUsedAt = Date(millis: row["last_used_at"])
        expiresAt = Date(millis: row["expires_at"])
        revokedAt = (row["revoked_at"] as Int64?).map(Date.init(millis:))
        revokedReason = row["revoked_reason"]
        ip = row["ip"]
        userAgent = row["user_agent"]
    }
}
