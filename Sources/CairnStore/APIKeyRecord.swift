import CairnCore
import Foundation
import GRDB

/// A personal API key as stored: only a digest of its secret.
public struct APIKeyRecord: Sendable, Equatable, StoredRecord {
    public let id: APIKeyID
    public let userID: UserID
    public let name: String
    /// What the key starts with, shown so people can tell keys apart (`cairn_key_01…`).
    public let prefix: String
    public let secretHash: String
    /// Space-separated scope names.
    @SpaceSeparated public var scopes: [String]
    public let createdAt: Date
    public let expiresAt: Date?
    public let lastUsedAt: Date?
    public let revokedAt: Date?

    public init(
        id: APIKeyID, userID: UserID, name: String, prefix: String, secretHash: String, scopes: [String], createdAt: Date,
        expiresAt: Date?, lastUsedAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.secretHash = secretHash
        self.scopes = scopes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    public static let databaseTableName = "api_keys"

    enum CodingKeys: String, CodingKey {
        case id, name, prefix
        case userID = "user_id"
        case secretHash = "secret_hash"
        case scopes
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }
}
