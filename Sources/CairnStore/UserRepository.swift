import CairnCore
import Foundation
import GRDB

/// Users, looked up by id or by normalized email. The only place user SQL lives.
///
/// ```swift
/// let users = UserRepository(store.pool)          // or any DatabaseWriter: an in-memory queue in tests
/// try await users.create(user, emailNormalized: "ada@example.com")
/// let found = try await users.find(emailNormalized: "ada@example.com")
/// let change = try await users.update(id: user.id, role: .admin, status: nil, at: Date())   // (before, after)
/// ```
public struct UserRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    /// Inserts a user; a taken email is a `conflict`.
    public func create(_ user: UserRecord, emailNormalized: String) async throws {
        do {
            try await database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO users (id, email, email_normalized, name, password_hash, role, status, auth_provider, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        user.id, user.email, emailNormalized, user.name, user.passwordHash, user.role,
                        user.status, user.authProvider, user.createdAt.millis, user.updatedAt.millis,
                    ])
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw CairnError(.conflict, "an account with this email already exists")
        }
    }

    public func find(id: UserID) async throws -> UserRecord? {
        try await database.read { db in try UserRecord.fetchOne(db, key: id) }
    }

    public func find(emailNormalized: String) async throws -> UserRecord? {
        try await database.read { db in
            try UserRecord.fetchOne(db, sql: "SELECT * FROM users WHERE email_normalized = ?", arguments: [emailNormalized])
        }
    }

    /// Users ordered by id (creation), optionally filtered by an email/name substring.
    public func list(search: String?, status: UserRecord.Status? = nil, after: UserID?, limit: Int) async throws -> [UserRecord] {
        try await database.read { db in
            var sql = "SELECT * FROM users WHERE 1 = 1"
            var arguments: StatementArguments = []
            if let search, !search.isEmpty {
                sql += " AND (email_normalized LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')"
                let pattern =
                    "%"
                    + search.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
                arguments += [pattern.lowercased(), pattern]
            }
            if let status {
                sql += " AND status = ?"
                arguments += [status]
            }
            if let after {
                sql += " AND id > ?"
                arguments += [after]
            }
            sql += " ORDER BY id LIMIT ?"
            arguments += [limit]
            return try UserRecord.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// Emails of the given users (unknown ids are left out), in one query.
    public func emails(of ids: [UserID]) async throws -> [UserID: String] {
        guard !ids.isEmpty else { return [:] }
        return try await database.read { db in
            var result: [UserID: String] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT id, email FROM users WHERE id IN (\(marks))", arguments: StatementArguments(chunk)) {
                    result[try row.decode(forColumn: "id")] = try row.decode(forColumn: "email")
                }
            }
            return result
        }
    }

    public func adminExists() async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM users WHERE role = ? AND status = ?)", arguments: [Role.admin, UserRecord.Status.active])
                ?? false
        }
    }

    /// Counts a failed login inside a sliding window; returns the failures in the current window.
    public func recordFailedLogin(id: UserID, at now: Date, window: TimeInterval) async throws -> Int {
        try await database.write { db in
            let windowStart = now.addingTimeInterval(-window).millis
            try db.execute(
                sql: """
                    UPDATE users SET
                        failed_logins = CASE WHEN first_failed_at IS NULL OR first_failed_at < ? THEN 1 ELSE failed_logins + 1 END,
                        first_failed_at = CASE WHEN first_failed_at IS NULL OR first_failed_at < ? THEN ? ELSE first_failed_at END
                    WHERE id = ?
                    """,
                arguments: [windowStart, windowStart, now.millis, id])
            return try Int.fetchOne(db, sql: "SELECT failed_logins FROM users WHERE id = ?", arguments: [id]) ?? 0
        }
    }

    public func lock(id: UserID, until: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE users SET locked_until = ?, failed_logins = 0, first_failed_at = NULL WHERE id = ?",
                arguments: [until.millis, id])
        }
    }

    /// Clears the account-wide lock and its failure count.
    public func unlock(id: UserID) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE users SET locked_until = NULL, failed_logins = 0, first_failed_at = NULL WHERE id = ?", arguments: [id])
        }
    }

    public func recordSuccessfulLogin(id: UserID, at now: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE users SET failed_logins = 0, first_failed_at = NULL, locked_until = NULL, last_login_at = ? WHERE id = ?",
                arguments: [now.millis, id])
        }
    }

    public func setPassword(id: UserID, hash: String, at now: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE users SET password_hash = ?, updated_at = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                arguments: [hash, now.millis, id])
        }
    }

    /// Changes role and/or status; returns the user before and after, or nil when absent.
    public func update(id: UserID, role: Role?, status: UserRecord.Status?, at now: Date) async throws -> (before: UserRecord, after: UserRecord)? {
        try await database.write { db in
            guard let before = try UserRecord.fetchOne(db, key: id) else { return nil }
            var after = before
            after.role = role ?? before.role
            after.status = status ?? before.status
            after.updatedAt = Date(millis: now.millis)
            try after.update(db, columns: ["role", "status", "updated_at"])
            return (before, after)
        }
    }
}
