import CairnCore
import Foundation
import GRDB

/// The one SQLite database file: opening, pragmas, migrations and readiness.
///
/// A GRDB `DatabasePool` in WAL mode: one writer, concurrent readers. Nothing outside
/// CairnStore writes SQL; every table is reached through a repository built over the store.
///
/// ```swift
/// let store = try Store(path: "/var/lib/cairn/cairn.db", synchronous: .normal)
/// let users = UserRepository(store.pool)
/// let admin = try await users.adminExists()
/// try store.close()
/// ```
public final class Store: Sendable {
    public let pool: DatabasePool
    public let path: String
    /// A connection of its own for `/readyz`, so the probe never queues behind the pool's writes.
    let probe: DatabaseQueue

    /// Opens (creating if absent) and migrates the database at `path`.
    ///
    /// A file that is not SQLite, or one migrated by a newer Cairn, is refused before anything
    /// is written to it.
    public init(path: String, synchronous: SynchronousMode = .normal, busyTimeout: TimeInterval = 5) throws {
        self.path = path
        try Store.checkHeader(path: path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .callback(BusyPolicy(timeout: busyTimeout).shouldRetry)
        config.label = "cairn"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreOpenError(description: "\(path) is not a SQLite database")
        } catch {
            throw StoreOpenError(description: "cannot open database \(path): \(Store.describe(error))")
        }
        var probeConfig = Configuration()
        probeConfig.busyMode = .timeout(1)
        probeConfig.label = "cairn-readiness"
        do {
            probe = try DatabaseQueue(path: path, configuration: probeConfig)
        } catch {
            try? pool.close()
            throw StoreOpenError(description: "cannot open database \(path): \(Store.describe(error))")
        }
        // GRDB sets `synchronous = NORMAL` on the writer when it enables WAL, after
        // `prepareDatabase`; the writer is a single long-lived connection, so set it again here.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous == .full ? "FULL" : "NORMAL")")
        }
        let migrator = Migrations.migrator
        let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            try? pool.close()
            throw StoreOpenError(description: "\(path) was written by a newer version of Cairn (unknown schema migrations); refusing to touch it")
        }
        do {
            try migrator.migrate(pool)
        } catch {
            throw StoreOpenError(description: "migrating \(path) failed: \(Store.describe(error))")
        }
    }

    /// Closes every connection; later use throws.
    public func close() throws {
        try? probe.close()
        try pool.close()
    }

    /// The answer to give a client when a database error is the machine's state, not a bug: a
    /// full disk or a database another process holds locked is 503 (try again), never a 500.
    public static func unavailability(_ error: any Error) -> CairnError? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL: return CairnError(.unavailable, "the server's disk is full; try again later", retryAfter: 30)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return CairnError(.unavailable, "the server's storage is busy; try again shortly", retryAfter: 5)
        case .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN:
            return CairnError(.unavailable, "the server's storage cannot be written right now", retryAfter: 30)
        default: return nil
        }
    }

    /// Names of the schema migrations applied to this file, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    /// The SQLite library version linked into this binary.
    public static var sqliteVersion: String {
        let version = try? DatabaseQueue().read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") }
        return (version ?? nil) ?? "unknown"
    }

    private static func checkHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty { return }
        if header != Data("SQLite format 3\u{0}".utf8) {
            throw StoreOpenError(description: "\(path) is not a SQLite database")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        return "\(error)"
    }
}
