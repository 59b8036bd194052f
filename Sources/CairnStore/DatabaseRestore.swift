import CairnCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Puts a backup in place of a data directory's database. The caller holds the directory's
/// `DataDirectoryLock` and has verified the backup (`DatabaseBackup.verify`).
///
/// ```swift
/// let report = try DatabaseRestore.restore(from: "cairn-2026-12-02.db.gz", into: "/var/lib/cairn", database: "/var/lib/cairn/cairn.db")
/// report.previous   // "/var/lib/cairn/pre-restore-20261202T143700Z" (the old database, WAL included)
/// ```
public enum DatabaseRestore {
    public struct Report: Sendable {
        /// Where the database that was replaced now lives, if there was one.
        public let previous: String?
    }

    public static func restore(from backup: String, into directory: String, database target: String) throws -> Report {
        // The backup is copied (or unpacked) beside the database first, so the swap is a rename.
        let staged = (directory as NSString).appendingPathComponent(".cairn.db.restore-\(UUID().uuidString.prefix(8))")
        defer { unlink(staged) }
        try DatabaseBackup.createPrivateFile(staged)
        if GzipFile.isGzip(backup) {
            try GzipFile.decompress(backup, to: staged)
        } else {
            unlink(staged)
            try FileManager.default.copyItem(atPath: backup, toPath: staged)
            chmod(staged, 0o600)
        }
        try DatabaseBackup.fsyncFile(staged)
        guard DatabaseBackup.verify(path: staged).ok else { throw CairnError(.internal, "the copied backup failed its checks") }
        var previous: String?
        if FileManager.default.fileExists(atPath: target) {
            let stamp = UTCTimestamp.format(Date()).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
                .replacingOccurrences(of: ".", with: "")
            let aside = (directory as NSString).appendingPathComponent("pre-restore-\(stamp)")
            try FileManager.default.createDirectory(atPath: aside, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            // The database and its WAL move together: the copy aside is complete.
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: target + suffix) {
                guard rename(target + suffix, (aside as NSString).appendingPathComponent("cairn.db" + suffix)) == 0 else {
                    throw DatabaseBackup.fileError("cannot move aside", target + suffix)
                }
            }
            previous = aside
        }
        guard rename(staged, target) == 0 else { throw DatabaseBackup.fileError("cannot put the backup in place at", target) }
        try? DatabaseBackup.fsyncFile(directory)
        return Report(previous: previous)
    }
}
