import CairnCore
import Foundation
import GRDB

/// The record of every backup attempt (the files live in the backups directory).
///
/// ```swift
/// let backups = BackupRepository(store: store)
/// try await backups.insert(record)
/// let recent = try await backups.list(limit: 20)         // newest first
/// let one = try await backups.find(record.id)
/// ```
public struct BackupRepository: Sendable {
    let store: Store
    public init(store: Store) { self.store = store }

    public func insert(_ record: BackupRecord) async throws {
        try await store.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO backups (id, created_at, path, size_bytes, duration_ms, gzip, verified, trigger, created_by, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id.rawValue, record.createdAt.millis, record.path, record.sizeBytes, record.durationMs, record.gzip,
                    record.verified, record.trigger.rawValue, record.createdBy, record.error,
                ])
        }
    }

    /// Newest first.
    public func list(limit: Int = 200) async throws -> [BackupRecord] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM backups ORDER BY created_at DESC, id DESC LIMIT ?", arguments: [limit]).map(
                BackupRecord.init(row:))
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
