import CairnCore
import Foundation
import GRDB

/// A stored account.
public struct UserRecord: Sendable, Equatable, StoredRecord {
    public enum Status: String, Sendable, Codable, DatabaseValueConvertible { case active, pending, disabled }

    public var id: UserID
    public var email: String
    public var name: String
    public var passwordHash: String?
    public var role: Role
    public var status: Status
    public var authProvider: String
    public var failedLogins: Int
    public var firstFailedAt: Date?
    public var lockedUntil: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var lastLoginAt: Date?

    public init(
        id: UserID, email: String, name: String, passwordHash: String?, role: Role, status: Status,
        authProvider: String = "password", createdAt: Date
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
        self.status = status
        self.authProvider = authProvider
        self.failedLogins = 0
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    public static let databaseTableName = "users"

    enum CodingKeys: String, CodingKey {
        case id, email, name, role, status
        case passwordHash = "password_hash"
        case authProvider = "auth_provider"
        case failedLogins = "failed_logins"
        case firstFailedAt = "first_failed_at"
        case lockedUntil = "locked_until"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case lastLoginAt = "last_login_at"
    }
}
