import CairnCore
import Foundation
import GRDB

/// A login: the server-side anchor of a refresh token.
public struct SessionRecord: Sendable, Equatable, StoredRecord {
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

    public static let databaseTableName = "sessions"

    enum CodingKeys: String, CodingKey {
        case id, ip
        case userID = "user_id"
        case refreshJTI = "refresh_jti"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case revokedReason = "revoked_reason"
        case userAgent = "user_agent"
    }
}
