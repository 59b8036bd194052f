import CairnCore
import Foundation
import GRDB

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

    init(row: Row) throws {
        guard let id = BackupID(row["id"]), let trigger = BackupTrigger(rawValue: row["trigger"]) else {
            throw CairnError(.internal, "corrupt backup row")
        }
        self.init(
            id: id, createdAt: Date(millis: row["created_at"]), path: row["path"], sizeBytes: row["size_bytes"], durationMs: row["duration_ms"],
            gzip: row["gzip"], verified: row["verified"], trigger: trigger, createdBy: row["created_by"], error: row["error"])
    }
}
