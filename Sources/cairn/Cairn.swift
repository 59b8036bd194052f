import ArgumentParser
import CairnAssets
import CairnCore
import CairnServer
import CairnStore
import Foundation

@main
struct Cairn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn",
        abstract: "A self-hosted, multi-user AI agent server in one binary.",
        version: BuildInfo.version,
        subcommands: [Serve.self, Version.self, ConfigCommand.self, AdminCommand.self, BackupCommand.self, RestoreCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Writes one line to standard error (the global `stderr` is not concurrency-safe).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

enum CairnVersion {
    static var string: String { "\(BuildInfo.version) (\(BuildInfo.commit))" }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print version, commit, Swift and SQLite versions.")

    func run() {
        print("cairn \(BuildInfo.version)")
        print("commit \(BuildInfo.commit)")
        print("swift \(BuildInfo.swiftVersion)")
        print("sqlite \(Store.sqliteVersion)")
    }
}
