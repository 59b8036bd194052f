import CairnCore
import Foundation
import GRDB

/// The record of every backup attempt (the files live in the backups directory).
///
/// ```swift
/// let backups = BackupRepository(store.pool)
/// try await backups.insert(record)
/// let recent = try await backups.list(limit: 20)         // newest first
/// let one = try await backups.find(record.id)
/// ```
public struct BackupRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func insert(_ record: BackupRecord) async throws {
        try await database.write { db in
            try record.insert(db)
        }
    }

    /// Newest first.
    public func list(limit: Int = 200) async throws -> [BackupRecord] {
        try await database.read { db in
            try BackupRecord.order(Column("created_at").desc, Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    public func find(_ id: BackupID) async throws -> BackupRecord? {
        try await database.read { db in
            try BackupRecord.fetchOne(db, key: id)
        }
    }

    public func delete(_ id: BackupID) async throws {
        _ = try await database.write { db in try BackupRecord.deleteOne(db, key: id) }
    }
}
