import CairnCore
import Foundation
import GRDB

/// A stored account.
public struct UserRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case active, pending, disabled }

    public var id: UserID
    public var email: String
    public var name: String
    public var passwordHash: String?
    public var role: String
    public var status: Status
    public var authProvider: String
    public var failedLogins: Int
    public var firstFailedAt: Date?
    public var lockedUntil: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var lastLoginAt: Date?

    public init(
        id: UserID, email: String, name: String, passwordHash: String?, role: String, status: Status,
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

    init(row: Row) throws {
        guard let id = UserID(row["id"]), let status = Status(rawValue: row["status"]) else {
            throw CairnError(.internal, "corrupt user row")
        }
        self.id = id
        email = row["email"]
        name = row["name"]
        passwordHash = row["password_hash"]
        role = row["role"]
        self.status = status
        authProvider = row["auth_provider"]
        failedLogins = row["failed_logins"]
        firstFailedAt = (row["first_failed_at"] as Int64?).map(Date.init(millis:))
        lockedUntil = (row["locked_until"] as Int64?).map(Date.init(millis:))
        createdAt = Date(millis: row["created_at"])
        updatedAt = Date(millis: row["updated_at"])
        lastLoginAt = (row["last_login_at"] as Int64?).map(Date.init(millis:))
    }
}
