import CairnCore
import CairnStore
import Foundation
import GRDB

/// `cairn-bench backup`: a generated database of `BACKUP_MB` (default 1024) MiB; the online
/// backup (the SQLite backup API in steps inside one read transaction, what Cairn uses) against
/// `VACUUM INTO`, each while a steady writer inserts a row every 5 ms; gzip; restore. Prints the
/// writer's latency percentiles undisturbed and during each copy.
func benchBackup(megabytes: Int) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-bench-backup-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("cairn.db").path
    let store = try Store(path: path)
    defer { try? store.close() }
    let generated = ContinuousClock.now
    let blob = String(repeating: "x", count: 1000)
    var rows = 0
    while fileMegabytes(path) < Double(megabytes) {
        try await store.pool.write { [rows] db in
            let statement = try db.makeStatement(sql: "INSERT INTO audit_log (id, at, action, details) VALUES (?, 0, 'bulk', ?)")
            for index in rows..<(rows + 20_000) { try statement.execute(arguments: [String(format: "aud_bulk%010d", index), blob]) }
        }
        rows += 20_000
        if rows % 200_000 == 0 { try await store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") } }
    }
    try await store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    report(String(format: "backup: generated %.0f MiB (%d rows) in %.1f s", fileMegabytes(path), rows, millis(since: generated) / 1000))

    /// Runs `body` on a thread while a writer inserts a row every 5 ms; the writer's latencies.
    func withWriter(_ body: @escaping @Sendable () throws -> Void) async throws -> (Stats, Double) {
        let running = WriterSwitch()
        let writer = Task {
            var stats = Stats()
            var index = 0
            while running.on {
                let started = ContinuousClock.now
                let key = "aud_live\(UUID().uuidString.prefix(12))\(index)"
                try await store.pool.write { db in
                    try db.execute(sql: "INSERT INTO audit_log (id, at, action) VALUES (?, 0, 'live')", arguments: [key])
                }
                stats.add(millis(since: started))
                index += 1
                try? await Task.sleep(for: .milliseconds(5))
            }
            return stats
        }
        let started = ContinuousClock.now
        try await Task.detached { try body() }.value
        let elapsed = millis(since: started)
        running.on = false
        return (try await writer.value, elapsed)
    }

    let (idle, _) = try await withWriter { Thread.sleep(forTimeInterval: 5) }
    report("backup: steady writer, no backup: \(idle.summary)")
    let online = directory.appendingPathComponent("online.db").path
    let (duringOnline, onlineMs) = try await withWriter { _ = try DatabaseBackup.snapshot(of: path, to: online) }
    report(
        String(
            format: "backup: online API in steps (what Cairn uses, verification included): %.1f s, %.0f MiB; writer meanwhile %@",
            onlineMs / 1000, fileMegabytes(online), duringOnline.summary))
    let vacuum = directory.appendingPathComponent("vacuum.db").path
    let (duringVacuum, vacuumMs) = try await withWriter {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [vacuum]) }
        try queue.close()
    }
    report(
        String(
            format: "backup: VACUUM INTO (no verification): %.1f s, %.0f MiB; writer meanwhile %@",
            vacuumMs / 1000, fileMegabytes(vacuum), duringVacuum.summary))
    try? FileManager.default.removeItem(atPath: vacuum)
    let zipped = directory.appendingPathComponent("online.db.gz").path
    let gzipStarted = ContinuousClock.now
    _ = try DatabaseBackup.snapshot(of: path, to: zipped, gzip: true)
    report(
        String(
            format: "backup: gzip backup %.1f s, %.0f MiB (%.1f%% of the database)", millis(since: gzipStarted) / 1000,
            fileMegabytes(zipped), 100 * fileMegabytes(zipped) / fileMegabytes(path)))
    let fresh = directory.appendingPathComponent("restored").path
    try FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: true)
    let restoreStarted = ContinuousClock.now
    guard DatabaseBackup.verify(path: zipped).ok else { throw BenchError("the gzip backup does not verify") }
    _ = try DatabaseRestore.restore(from: zipped, into: fresh, database: fresh + "/cairn.db")
    try Store(path: fresh + "/cairn.db").close()
    report(
        String(
            format: "backup: restore of the gzip backup (verify, unpack, verify, swap, open and migrate): %.1f s",
            millis(since: restoreStarted) / 1000))
    report(
        String(
            format: "backup: writer p99 during the online backup / undisturbed = %.2f; during VACUUM INTO / undisturbed = %.2f",
            duringOnline.percentile(0.99) / idle.percentile(0.99), duringVacuum.percentile(0.99) / idle.percentile(0.99)))
}

func fileMegabytes(_ path: String) -> Double {
    Double(((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0) / 1_048_576
}

final class WriterSwitch: @unchecked Sendable {
    private let lock = NSLock()
    private var value = true
    var on: Bool {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
