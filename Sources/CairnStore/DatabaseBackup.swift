import CairnCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// Consistent copies of the live database, taken without stopping its writers, and the checks
/// that prove a copy restorable.
///
/// The copy is SQLite's online backup API run in steps inside one read transaction: in WAL mode
/// that transaction is a snapshot, so writers go on (they append to the WAL) and the copy never
/// restarts, whatever they write meanwhile. It is written to a hidden temporary file beside the
/// destination, checked (`integrity_check`, `foreign_key_check`, schema not newer than this
/// binary), flushed to disk and renamed into place, mode 0600: a crash at any moment leaves
/// either no file or a verified one.
///
/// ```swift
/// let result = try DatabaseBackup.snapshot(of: store.pool, to: "/var/backups/cairn.db")
/// let verdict = DatabaseBackup.verify(path: "/var/backups/cairn.db")   // verdict.ok
/// ```
public enum DatabaseBackup {
    /// Pages copied per step: small steps keep each step short.
    static let pagesPerStep: CInt = 1024

    /// What a finished backup is.
    public struct Result: Sendable, Equatable {
        public let path: String
        public let sizeBytes: Int64
        public let duration: Duration
        public let gzip: Bool
    }

    /// The checks of one file, with a verdict.
    public struct Verdict: Sendable, Equatable {
        public let ok: Bool
        /// Human sentences, one per failed check (empty when `ok`).
        public let problems: [String]
        /// Schema migrations the file has, and whether this binary knows them all.
        public let migrations: [String]
        public let complete: Bool
    }

    /// A consistent copy of the live database at `source`, written to `destination` (gzip when
    /// `gzip`), verified, and renamed into place. Works beside a running server (in its process or
    /// another): the copy reads through a connection of its own inside one read transaction.
    /// Throws, leaving nothing at `destination`, when any step fails.
    /// `afterStep` runs after each step of the copy (tests use it to write meanwhile).
    public static func snapshot(
        of source: String, to destination: String, gzip: Bool = false,
        afterStep: (@Sendable () -> Void)? = nil
    ) throws -> Result {
        let started = ContinuousClock.now
        let directory = (destination as NSString).deletingLastPathComponent
        let name = (destination as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\(name).partial-\(UUID().uuidString.prefix(8))"
        let copy = temporary + ".db"
        defer {
            for path in [copy, copy + "-wal", copy + "-shm", copy + "-journal", temporary] { unlink(path) }
        }
        try createPrivateFile(copy)
        do {
            var configuration = Configuration()
            configuration.label = "cairn-backup"
            let target = try DatabaseQueue(path: copy, configuration: configuration)
            var sourceConfiguration = Configuration()
            sourceConfiguration.label = "cairn-backup-source"
            sourceConfiguration.busyMode = .timeout(10)
            let live = try DatabaseQueue(path: source, configuration: sourceConfiguration)
            defer { try? live.close() }
            try live.inDatabase { db in
                // One read transaction for the whole copy: a WAL snapshot, so writers go on and
                // the copy never restarts.
                try db.inTransaction(.deferred) {
                    _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master")
                    try target.writeWithoutTransaction { copyDB in
                        try db.backup(to: copyDB, pagesPerStep: pagesPerStep) { _ in afterStep?() }
                    }
                    return .commit
                }
            }
            // The copy is a plain rollback-journal file: one file, nothing beside it.
            try target.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try target.close()
        }
        let verdict = verify(path: copy)
        guard verdict.ok else { throw CairnError(.internal, "the backup failed its checks: " + verdict.problems.joined(separator: "; ")) }
        if gzip {
            try createPrivateFile(temporary)
            try GzipFile.compress(copy, to: temporary)
        } else {
            guard rename(copy, temporary) == 0 else { throw fileError("cannot move the backup into place", temporary) }
        }
        try fsyncFile(temporary)
        guard rename(temporary, destination) == 0 else { throw fileError("cannot move the backup into place", destination) }
        try? fsyncFile(directory.isEmpty ? "." : directory)
        let size = ((try? FileManager.default.attributesOfItem(atPath: destination))?[.size] as? NSNumber)?.int64Value ?? 0
        return Result(path: destination, sizeBytes: size, duration: ContinuousClock.now - started, gzip: gzip)
    }

    /// Checks a backup file (plain or gzip): SQLite header, `integrity_check`,
    /// `foreign_key_check`, and a schema this binary knows (not newer).
    public static func verify(path: String) -> Verdict {
        if GzipFile.isGzip(path) {
            let plain = (NSTemporaryDirectory() as NSString).appendingPathComponent("cairn-verify-\(UUID().uuidString).db")
            defer { unlink(plain) }
            do {
                try createPrivateFile(plain)
                try GzipFile.decompress(path, to: plain)
            } catch {
                return Verdict(ok: false, problems: ["not a readable gzip file: \(error)"], migrations: [], complete: false)
            }
            return verify(path: plain)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return Verdict(ok: false, problems: ["cannot read \(path)"], migrations: [], complete: false)
        }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        guard header == Data("SQLite format 3\u{0}".utf8) else {
            return Verdict(ok: false, problems: ["not a SQLite database (wrong header)"], migrations: [], complete: false)
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "cairn-verify"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                var problems: [String] = []
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                if integrity != ["ok"] { problems.append("integrity check: " + integrity.prefix(3).joined(separator: "; ")) }
                let foreign = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
                if !foreign.isEmpty { problems.append("\(foreign.count) rows break foreign keys") }
                let migrator = Migrations.migrator
                let applied = try migrator.appliedMigrations(db)
                if try migrator.hasBeenSuperseded(db) {
                    problems.append("written by a newer version of Cairn (unknown schema migrations)")
                }
                if applied.isEmpty { problems.append("not a Cairn database (no schema migrations)") }
                let complete = try migrator.hasCompletedMigrations(db)
                return Verdict(ok: problems.isEmpty, problems: problems, migrations: applied, complete: complete)
            }
        } catch {
            return Verdict(ok: false, problems: ["cannot open as SQLite: \(Store.describe(error))"], migrations: [], complete: false)
        }
    }

    static func createPrivateFile(_ path: String) throws {
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw fileError("cannot create", path) }
        close(descriptor)
    }

    static func fsyncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw fileError("cannot open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw fileError("cannot flush", path) }
    }

    static func fileError(_ what: String, _ path: String) -> CairnError {
        CairnError(.internal, "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
