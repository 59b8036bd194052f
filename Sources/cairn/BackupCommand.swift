import ArgumentParser
import CairnCore
import CairnStore
import Foundation

/// `cairn backup --out FILE [--gzip]` and `cairn backup verify FILE`.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the live database safely (also while the server runs), or check a copy.",
        subcommands: [Create.self, Verify.self], defaultSubcommand: Create.self)

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Write a consistent, verified copy of the database (mode 0600), without stopping the server.")
        @OptionGroup var options: SettingsOptions
        @Option(help: "The backup file to write (replaced atomically when it exists).") var out: String
        @Flag(help: "Compress the backup with gzip.") var gzip = false

        func run() async throws {
            let settings = try options.loadOrExit()
            let source = databasePath(settings)
            guard FileManager.default.fileExists(atPath: source) else {
                printError("no database at \(source)")
                throw ExitCode(1)
            }
            let created = Date()
            do {
                let result = try DatabaseBackup.snapshot(of: source, to: out, gzip: gzip)
                await record(
                    in: source,
                    BackupRecord(
                        id: .generate(now: created), createdAt: created, path: URL(fileURLWithPath: out).path,
                        sizeBytes: result.sizeBytes, durationMs: result.duration.wholeMilliseconds, gzip: gzip,
                        verified: true, trigger: .cli, createdBy: "cli", error: nil))
                print(
                    "backup of \(source) written to \(result.path): \(result.sizeBytes) bytes\(gzip ? " (gzip)" : ""), "
                        + "verified (integrity_check ok, schema known), in \(result.duration.wholeMilliseconds) ms")
            } catch let error as CairnError {
                await record(
                    in: source,
                    BackupRecord(
                        id: .generate(now: created), createdAt: created, path: URL(fileURLWithPath: out).path,
                        sizeBytes: 0, durationMs: 0, gzip: gzip, verified: false, trigger: .cli, createdBy: "cli",
                        error: error.message))
                printError("backup failed: \(error.message)")
                throw ExitCode(1)
            }
        }

        /// Lists the attempt with the server's backups and in the audit log (best effort: the
        /// copy itself is what matters).
        func record(in database: String, _ record: BackupRecord) async {
            guard let store = try? Store(path: database) else { return }
            defer { try? store.close() }
            try? await BackupRepository(store.pool).insert(record)
            try? await AuditRepository(store.pool).append(
                AuditEntry(
                    at: record.createdAt, actor: "cli",
                    action: record.error == nil ? "backup.create" : "backup.failed",
                    target: record.id.rawValue, userAgent: "cairn-cli",
                    details: #"{"trigger":"cli"}"#))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a backup file: SQLite header, integrity, foreign keys, schema version.")
        @Argument(help: "The backup file (plain or gzip).") var file: String

        func run() throws {
            let verdict = DatabaseBackup.verify(path: file)
            if verdict.ok {
                print(
                    "ok: \(file) is a restorable Cairn database (\(verdict.migrations.count) schema migrations"
                        + "\(verdict.complete ? "" : "; older than this binary, migrated on restore"))")
            } else {
                print("not restorable: \(file)")
                for problem in verdict.problems { print("- \(problem)") }
                throw ExitCode(1)
            }
        }
    }
}
