import CairnCore
import Foundation
import GRDB

/// What started a backup.
public enum BackupTrigger: String, Sendable, CaseIterable, Codable {
    case manual, schedule, cli
}

/// One backup attempt: a verified file, or a failure with its reason.
public struct BackupRecord: Sendable, Equatable {
    public var id: BackupID
    public var createdAt: Date
    public var path: String
    public var sizeBytes: Int64
    public var durationMs: Int
    public var gzip: Bool
    public var verified: Bool
    public var trigger: BackupTrigger
    public var createdBy: String?
    /// Set when the attempt failed; such a record has no usable file.
    public var error: String?

    public init(id: BackupID, createdAt: Date, path: String, sizeBytes: Int64, durationMs: Int, gzip: Bool, verified: Bool,
                trigger: BackupTrigger, createdBy: String?, error: String?) {
        self.id = id
        self.createdAt = createdAt
        self.path = path
        self.sizeBytes = sizeBytes
        self.durationMs = durationMs
        self.gzip = gzip
        self.verified = verified
        self.trigger = trigger
        self.createdBy = createdBy
        self.error = error
    }

    init(row: Row) throws {
        guard let id = BackupID(row["id"]), let trigger = BackupTrigger(rawValue: row["trigger"]) else {
            throw CairnError(.internal, "corrupt backup row")
        }
        self.init(id: id, createdAt: Date(millis: row["created_at"]), path: row["path"], sizeBytes: row["size_bytes"], durationMs: row["duration_ms"],
                  gzip: row["gzip"], verified: row["verified"], trigger: trigger, createdBy: row["created_by"], error: row["error"])
    }
}

/// The record of every backup attempt (the files live in the backups directory).
public struct BackupRepository: Sendable {
    let store: Store
    public init(store: Store) { self.store = store }

    public func insert(_ record: BackupRecord) async throws {
        try await store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO backups (id, created_at, path, size_bytes, duration_ms, gzip, verified, trigger, created_by, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.id.rawValue, record.createdAt.millis, record.path, record.sizeBytes, record.durationMs, record.gzip,
                                 record.verified, record.trigger.rawValue, record.createdBy, record.error])
        }
    }

    /// Newest first.
    public func list(limit: Int = 200) async throws -> [BackupRecord] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM backups ORDER BY created_at DESC, id DESC LIMIT ?", arguments: [limit]).map(BackupRecord.init(row:))
        }
    }

    public func find(_ id: BackupID) async throws -> BackupRecord? {
        try await store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM backups WHERE id = ?", arguments: [id.rawValue]).map(BackupRecord.init(row:))
        }
    }

    public func delete(_ id: BackupID) async throws {
        try await store.pool.write { db in try db.execute(sql: "DELETE FROM backups WHERE id = ?", arguments: [id.rawValue]) }
    }
}
