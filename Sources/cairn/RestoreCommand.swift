import ArgumentParser
import CairnCore
import CairnStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `cairn restore --from FILE`: puts a verified backup in place of the database, keeping the
/// current one aside.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a backup (the server must be stopped); the current database is kept as a dated pre-restore copy.")
    @OptionGroup var options: SettingsOptions
    @Option(help: "The backup file (plain or gzip).") var from: String

    func run() throws {
        let settings = try options.loadOrExit()
        let directory = settings[.dataDir]
        let target = databasePath(settings)
        // Refused while a server holds the directory; held until the restore is done.
        let lock = try lockDataDirectory(settings)
        defer { withExtendedLifetime(lock) {} }
        let verdict = DatabaseBackup.verify(path: from)
        guard verdict.ok else {
            printError("refusing to restore \(from): " + verdict.problems.joined(separator: "; ") + "; nothing was changed")
            throw ExitCode(1)
        }
        do {
            let report = try DatabaseRestore.restore(from: from, into: directory, database: target)
            if let aside = report.previous { print("moved the current database aside to \(aside)") }
            print("restored \(from) to \(target)")
            let store = try Store(path: target)
            let applied = try store.appliedMigrations()
            try store.close()
            PrivateFiles.tighten(databasePath: target)
            print("schema: \(applied.count) migrations (\(applied.last ?? "none"))\(verdict.complete ? "" : ", migrated from an older version")")
            print("start the server to use it")
        } catch let error as CairnError {
            printError("restore failed: \(error.message)")
            throw ExitCode(1)
        } catch {
            printError("restore failed: \(error)")
            throw ExitCode(1)
        }
    }
}
