import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Logging
import Synchronization

/// Backups taken by the server: on request, and on a schedule into `<data dir>/backups/`. One at
/// a time; each runs on a thread of its own (it is blocking file and SQLite work), never on the
/// event loops or the task pool. Every attempt is recorded and audited; a failed one is listed
/// with its reason and no file. Scheduled backups beyond `backups.keep` are deleted, oldest first
/// (manual and command-line backups are kept until deleted by hand).
///
/// ```swift
/// let record = try await backups.create(trigger: .manual, by: admin.userID.rawValue, origin: origin)
/// try await backups.runIfDue()        // the scheduler's tick: a backup when the interval has passed
/// ```
public final class BackupService: Sendable {
    let repository: BackupRepository
    let databasePath: String
    let directory: String
    let settings: LiveSettings
    let audit: AuditTrail
    let clock: any WallClock
    let logger: Logger
    /// The schedule counts from here while no backup exists yet.
    let startedAt: Date
    private let running = Mutex(false)

    public init(store: Store, repository: BackupRepository, settings: LiveSettings, audit: AuditTrail, clock: any WallClock, logger: Logger) {
        self.repository = repository
        databasePath = store.path
        directory = ((store.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("backups")
        self.settings = settings
        self.audit = audit
        self.clock = clock
        self.logger = logger
        startedAt = clock.now()
    }

    /// Takes a backup now. 409 while another one runs; a failure is recorded and thrown as 503.
    public func create(trigger: BackupTrigger, by actor: String?, origin: RequestOrigin, gzip: Bool = false) async throws -> BackupRecord {
        guard
            running.withLock({ running in
                defer { running = true }
                return !running
            })
        else {
            throw CairnError(.conflict, "a backup is already running")
        }
        defer { running.withLock { $0 = false } }
        let id = BackupID.generate(now: clock.now())
        let created = clock.now()
        let stamp = UTCTimestamp.format(created).filter { $0.isNumber || $0 == "T" }
        let path = (directory as NSString).appendingPathComponent("cairn-\(stamp)-\(id.rawValue)\(gzip ? ".db.gz" : ".db")")
        let started = ContinuousClock.now
        do {
            try PrivateFiles.prepareDirectory(directory)
            let source = databasePath
            let result = try await Self.offThread { try DatabaseBackup.snapshot(of: source, to: path, gzip: gzip) }
            let record = BackupRecord(
                id: id, createdAt: created, path: path, sizeBytes: result.sizeBytes, durationMs: result.duration.wholeMilliseconds,
                gzip: gzip, verified: true, trigger: trigger, createdBy: actor, error: nil)
            try await repository.insert(record)
            await audit.record(
                "backup.create", actor: actor, target: id.rawValue, origin: origin,
                details: ["trigger": trigger.rawValue, "size_bytes": String(result.sizeBytes)])
            if trigger == .schedule { await prune(origin: origin) }
            return record
        } catch {
            let reason = (error as? CairnError)?.message ?? "\(error)"
            logger.error("backup failed", metadata: ["backup": .string(id.rawValue), "error": .string(reason)])
            let record = BackupRecord(
                id: id, createdAt: created, path: path, sizeBytes: 0, durationMs: (ContinuousClock.now - started).wholeMilliseconds,
                gzip: gzip, verified: false, trigger: trigger, createdBy: actor, error: Redaction.scrub(reason))
            try? await repository.insert(record)
            await audit.record("backup.failed", actor: actor, target: id.rawValue, origin: origin, details: ["trigger": trigger.rawValue])
            throw CairnError(.unavailable, "the backup failed: \(Redaction.scrub(reason))", retryAfter: 60)
        }
    }

    /// Newest first, each with whether its file is still there.
    public func list() async throws -> [(record: BackupRecord, fileExists: Bool)] {
        try await repository.list().map { ($0, $0.error == nil && FileManager.default.fileExists(atPath: $0.path)) }
    }

    public func find(_ id: BackupID) async throws -> BackupRecord? { try await repository.find(id) }

    /// Deletes the file and the record.
    public func delete(_ id: BackupID, by actor: String?, origin: RequestOrigin) async throws {
        guard let record = try await repository.find(id) else { throw CairnError.notFound("backup") }
        if record.error == nil { unlink(record.path) }
        try await repository.delete(id)
        await audit.record("backup.delete", actor: actor, target: id.rawValue, origin: origin)
    }

    /// The newest verified backup whose file is still there.
    public func lastGood() async throws -> BackupRecord? {
        try await list().first { $0.fileExists && $0.record.verified }?.record
    }

    /// A scheduled backup when `backups.interval_hours` have passed since the newest good one (of
    /// any trigger), or since the server started when there is none. The scheduler calls this
    /// every minute; tests call it with their clock.
    @discardableResult
    public func runIfDue() async throws -> BackupRecord? {
        let hours = settings.snapshot[.backupsIntervalHours]
        guard hours > 0 else { return nil }
        let since = try await lastGood()?.createdAt ?? startedAt
        guard clock.now().timeIntervalSince(since) >= Double(hours) * 3600 else { return nil }
        return try await create(trigger: .schedule, by: nil, origin: .scheduler)
    }

    /// Deletes scheduled backups beyond `backups.keep`, oldest first.
    func prune(origin: RequestOrigin) async {
        let keep = settings.snapshot[.backupsKeep]
        guard let all = try? await repository.list(limit: 10_000) else { return }
        for record in all.filter({ $0.trigger == .schedule && $0.error == nil }).dropFirst(keep) {
            unlink(record.path)
            try? await repository.delete(record.id)
            await audit.record("backup.prune", actor: nil, target: record.id.rawValue, origin: origin)
        }
    }

    /// Deletes what backups cut short by a crash left in the backups directory (hidden
    /// `.….partial-…` files; a finished backup is renamed to its own name, so none is ever listed).
    public func removeLeftovers() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(".") && name.contains(".partial-") {
            unlink((directory as NSString).appendingPathComponent(name))
            logger.notice("removed an unfinished backup file", metadata: ["file": .string(name)])
        }
    }

    /// Runs blocking work on a thread of its own.
    static func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}
