import CairnCore
import Foundation
import GRDB

/// One backup attempt: a verified file, or a failure with its reason.
public struct BackupRecord: Sendable, Equatable, StoredRecord {
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

    public init(
        id: BackupID, createdAt: Date, path: String, sizeBytes: Int64, durationMs: Int, gzip: Bool, verified: Bool,
        trigger: BackupTrigger, createdBy: String?, error: String?
    ) {
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

    public static let databaseTableName = "backups"

    enum CodingKeys: String, CodingKey {
        case id, path, gzip, verified, trigger, error
        case createdAt = "created_at"
        case sizeBytes = "size_bytes"
        case durationMs = "duration_ms"
        case createdBy = "created_by"
    }
}
