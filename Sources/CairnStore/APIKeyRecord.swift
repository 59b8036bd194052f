import CairnCore
import Foundation
import GRDB

/// A personal API key as stored: only a digest of its secret.
public struct APIKeyRecord: Sendable, Equatable {
    public let id: APIKeyID
    public let userID: UserID
    public let name: String
    /// What the key starts with, shown so people can tell keys apart (`cairn_key_01…`).
    public let prefix: String
    public let secretHash: String
    /// Space-separated scope names.
    public let scopes: [String]
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

    init?(row: Row) {
        guard let id = APIKeyID(row["id"]), let user = UserID(row["user_id"]) else { return nil }
        self.init(
            id: id, userID: user, name: row["name"], prefix: row["prefix"], secretHash: row["secret_hash"],
            scopes: (row["scopes"] as String).split(separator: " ").map(String.init), createdAt: Date(millis: row["created_at"]),
            expiresAt: (row["expires_at"] as Int64?).map(Date.init(millis:)), lastUsedAt: (row["last_used_at"] as Int64?).map(Date.init(millis:)),
            revokedAt: (row["revoked_at"] as Int64?).map(Date.init(millis:)))
    }
}
