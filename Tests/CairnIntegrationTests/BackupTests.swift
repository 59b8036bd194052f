import CairnCore
import CairnStore
import CoreFoundation
import Foundation
import GRDB
import Synchronization
import Testing

/// Online backup and restore on real database files.
@Suite("Backup and restore")
struct BackupTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A live database with a writer that never stops: the copy is taken while it writes, is
    /// consistent (integrity ok, every row it has is whole), and the writer never waits long.
    @Test func aBackupWhileAWriterInsertsIsConsistentAndDoesNotStallTheWriter() async throws {
        let store = try Store(path: path("cairn.db"))
        defer { try? store.close() }
        // Some bulk first (about 8 MB), so the copy takes several steps of 1,024 pages.
        try await store.pool.write { db in
            for index in 0..<40_000 {
                try db.execute(sql: "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)",
                               arguments: ["bulk.\(index)", String(repeating: "x", count: 200)])
            }
        }
        let flags = WriterFlags()
        let writing = Task {
            var latencies: [Duration] = []
            var index = 0
            while !flags.stop.load(ordering: .relaxed) {
                let started = ContinuousClock.now
                let key = "live.\(index)"
                try await store.pool.write { db in
                    try db.execute(sql: "INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)", arguments: [key])
                }
                latencies.append(ContinuousClock.now - started)
                index += 1
                flags.written.store(index, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(1))
            }
            return (index, latencies)
        }
        // The writer has written before the copy starts, so the copy holds some of its rows.
        let started = ContinuousClock.now + .seconds(30)
        while flags.written.load(ordering: .relaxed) < 1, ContinuousClock.now < started { try await Task.sleep(for: .milliseconds(5)) }
        // Mid-copy, with the copy's read transaction open, the writer must get writes through.
        let writtenMidCopy = MidCopy()
        // The copy and its mid-copy wait block a thread: one of their own, as BackupService runs
        // backups, so they never hold a thread of the task pool that the writer needs (on two
        // cores, with other suites running, a blocked pool thread starved the writer).
        let (source, destination) = (path("cairn.db"), path("copy.db"))
        let result = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        try DatabaseBackup.snapshot(of: source, to: destination) {
                            guard writtenMidCopy.count.withLock({ $0 == nil }) else { return }
                            let before = flags.written.load(ordering: .relaxed)
                            let deadline = ContinuousClock.now + .seconds(10)
                            while flags.written.load(ordering: .relaxed) < before + 3, ContinuousClock.now < deadline { usleep(1_000) }
                            writtenMidCopy.count.withLock { $0 = flags.written.load(ordering: .relaxed) - before }
                        }
                    })
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        flags.stop.store(true, ordering: .relaxed)
        let (written, latencies) = try await writing.value
        let verdict = DatabaseBackup.verify(path: path("copy.db"))
        #expect(verdict.ok, "\(verdict.problems)")
        #expect(verdict.complete)
        let copied = try await DatabaseQueue(path: path("copy.db")).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM settings WHERE key LIKE 'bulk.%'") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM settings WHERE key LIKE 'live.%'") ?? 0)
        }
        #expect(copied.0 == 40_000)
        #expect(copied.1 > 0 && copied.1 < written, "a point in time while the writer ran (\(copied.1) of \(written))")
        #expect(result.sizeBytes > 4_000_000)
        // The writer went on during the copy: writes went through while the copy was half done.
        #expect((writtenMidCopy.count.withLock { $0 } ?? 0) >= 3, "the writer was blocked by the copy")
        #expect(!latencies.isEmpty)
        let permissions = try FileManager.default.attributesOfItem(atPath: path("copy.db"))[.posixPermissions] as? Int
        #expect(permissions.map { $0 & 0o777 } == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") }.isEmpty)
    }

    @Test func aGzipBackupRestoresIntoAFreshDirectoryWithEverythingInIt() async throws {
        let store = try Store(path: path("cairn.db"))
        try await store.pool.write { db in
            try db.execute(sql: "INSERT INTO settings (key, value, updated_at) VALUES ('auth.registration', 'closed', 1)")
        }
        let result = try DatabaseBackup.snapshot(of: path("cairn.db"), to: path("backup.db.gz"), gzip: true)
        try store.close()
        #expect(result.gzip && GzipFile.isGzip(path("backup.db.gz")))
        #expect(DatabaseBackup.verify(path: path("backup.db.gz")).ok)
        let fresh = directory.appendingPathComponent("fresh").path
        try FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: true)
        let report = try DatabaseRestore.restore(from: path("backup.db.gz"), into: fresh, database: fresh + "/cairn.db")
        #expect(report.previous == nil)
        let restored = try Store(path: fresh + "/cairn.db")
        defer { try? restored.close() }
        #expect(try await restored.pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'auth.registration'") } == "closed")
    }

    @Test func restoreMovesTheCurrentDatabaseAsideWithItsWAL() async throws {
        let old = try Store(path: path("cairn.db"))
        try await old.pool.write { db in try db.execute(sql: "INSERT INTO settings (key, value, updated_at) VALUES ('marker', 'old', 1)") }
        _ = try DatabaseBackup.snapshot(of: path("cairn.db"), to: path("backup.db"))
        try await old.pool.write { db in try db.execute(sql: "UPDATE settings SET value = 'newer' WHERE key = 'marker'") }
        try old.close()
        let report = try DatabaseRestore.restore(from: path("backup.db"), into: directory.path, database: path("cairn.db"))
        let aside = try #require(report.previous)
        let kept = try DatabaseQueue(path: aside + "/cairn.db")
        #expect(try await kept.read { db in try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'marker'") } == "newer")
        let restored = try DatabaseQueue(path: path("cairn.db"))
        #expect(try await restored.read { db in try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'marker'") } == "old")
    }

    @Test func verificationRefusesTruncatedForeignAndNewerFiles() async throws {
        let store = try Store(path: path("cairn.db"))
        try await store.pool.write { db in
            for index in 0..<2_000 {
                try db.execute(sql: "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)", arguments: ["k\(index)", String(repeating: "y", count: 300)])
            }
        }
        _ = try DatabaseBackup.snapshot(of: path("cairn.db"), to: path("good.db"))
        _ = try DatabaseBackup.snapshot(of: path("cairn.db"), to: path("good.db.gz"), gzip: true)
        try store.close()
        #expect(DatabaseBackup.verify(path: path("good.db")).ok)
        // Truncated: half of the file, plain and gzip.
        let good = try Data(contentsOf: URL(fileURLWithPath: path("good.db")))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: path("truncated.db")))
        #expect(!DatabaseBackup.verify(path: path("truncated.db")).ok)
        let zipped = try Data(contentsOf: URL(fileURLWithPath: path("good.db.gz")))
        try zipped.prefix(zipped.count / 2).write(to: URL(fileURLWithPath: path("truncated.db.gz")))
        #expect(!DatabaseBackup.verify(path: path("truncated.db.gz")).ok)
        // Not SQLite at all, and SQLite that is not Cairn's.
        try Data("hello, I am a text file".utf8).write(to: URL(fileURLWithPath: path("text.db")))
        #expect(DatabaseBackup.verify(path: path("text.db")).problems.first?.contains("not a SQLite database") == true)
        try await DatabaseQueue(path: path("other.db")).write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        #expect(DatabaseBackup.verify(path: path("other.db")).problems.contains { $0.contains("not a Cairn database") })
        // Written by a newer Cairn: a migration this binary does not know.
        try FileManager.default.copyItem(atPath: path("good.db"), toPath: path("newer.db"))
        try await DatabaseQueue(path: path("newer.db")).write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')") }
        #expect(DatabaseBackup.verify(path: path("newer.db")).problems.contains { $0.contains("newer version") })
    }

    @Test func theDataDirectoryLockRefusesASecondHolder() throws {
        let first = try DataDirectoryLock(directory: directory.path)
        #expect(throws: CairnError.self) { _ = try DataDirectoryLock(directory: directory.path) }
        withExtendedLifetime(first) {}
    }
}

/// Shared between the test's writer and the copy's step hook.
final class WriterFlags: Sendable {
    let stop = Atomic(false)
    let written = Atomic(0)
}

final class MidCopy: Sendable {
    let count = Mutex<Int?>(nil)
}
