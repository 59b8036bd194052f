import ArgumentParser
import CairnCore
import CairnServer
import CairnStore
import Foundation

/// Flags shared by every command that needs the configuration.
struct SettingsOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (JSON or YAML).")
    var config: String?
    @Option(name: .long, help: "Address to bind (server.host).")
    var host: String?
    @Option(name: .long, help: "TCP port (server.port).")
    var port: String?
    @Option(name: .customLong("data-dir"), help: "Data directory (data.dir).")
    var dataDir: String?
    @Option(name: .customLong("log-level"), help: "trace|debug|info|notice|warning|error|critical (log.level).")
    var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text|json (log.format).")
    var logFormat: String?
    @Option(name: .customLong("set"), help: "Any setting as key=value; may repeat.")
    var assignments: [String] = []

    func flags() throws(ConfigurationError) -> [String: String] {
        var flags: [String: String] = [:]
        for assignment in assignments {
            guard let eq = assignment.firstIndex(of: "="), !assignment[..<eq].isEmpty else {
                throw ConfigurationError(description: "invalid configuration: --set \(assignment): expected key=value")
            }
            let key = String(assignment[..<eq])
            guard SettingsCatalog.byKey[key] != nil else {
                throw ConfigurationError(description: "invalid configuration: --set \(key): unknown setting")
            }
            flags[key] = String(assignment[assignment.index(after: eq)...])
        }
        if let host { flags["server.host"] = host }
        if let port { flags["server.port"] = port }
        if let dataDir { flags["data.dir"] = dataDir }
        if let logLevel { flags["log.level"] = logLevel }
        if let logFormat { flags["log.format"] = logFormat }
        return flags
    }

    /// Settings without the runtime layer (the database is not open yet).
    func loadStatic() throws(ConfigurationError) -> EffectiveSettings {
        try ConfigurationLoader.load(
            ConfigurationSources(
                configFile: config, environment: ProcessInfo.processInfo.environment, flags: flags()))
    }

    /// Settings including the runtime layer stored in the database.
    func load(runtime: [String: String]) throws(ConfigurationError) -> EffectiveSettings {
        try ConfigurationLoader.load(
            ConfigurationSources(
                configFile: config, environment: ProcessInfo.processInfo.environment, flags: flags(), runtime: runtime))
    }

    /// Loads settings or exits with status 2 and one line naming the bad key and its source.
    func loadOrExit() throws -> EffectiveSettings {
        do {
            return try loadStatic()
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
    }
}

extension SettingsOptions {
    /// Settings including the database's runtime layer, or exit 2 on an invalid stored value.
    func loadWithRuntimeOrExit(_ store: Store) throws -> EffectiveSettings {
        do {
            return try load(runtime: try SettingsRepository(store.pool).all())
        } catch let error as ConfigurationError {
            printError(error.description)
            throw ExitCode(2)
        }
    }
}

/// Opens the database in the configured data directory, creating the directory when absent.
/// The data directory (created private when absent) and its exclusive lock; exits with status 1
/// and one line when another server holds it.
func lockDataDirectory(_ settings: EffectiveSettings) throws -> DataDirectoryLock {
    let dataDir = settings[.dataDir]
    do {
        try PrivateFiles.prepareDirectory(dataDir)
        return try DataDirectoryLock(directory: dataDir)
    } catch let error as CairnError {
        printError(error.message)
        throw ExitCode(1)
    } catch {
        printError("cannot create data directory \(dataDir): \(error.localizedDescription)")
        throw ExitCode(1)
    }
}

/// The database file of the configured data directory.
func databasePath(_ settings: EffectiveSettings) -> String {
    URL(fileURLWithPath: settings[.dataDir]).appendingPathComponent("cairn.db").path
}

func openStore(_ settings: EffectiveSettings) throws -> Store {
    let dataDir = settings[.dataDir]
    do {
        try PrivateFiles.prepareDirectory(dataDir)
    } catch {
        printError("cannot create data directory \(dataDir): \(error.localizedDescription)")
        throw ExitCode(1)
    }
    let path = databasePath(settings)
    do {
        let store = try Store(path: path, synchronous: SynchronousMode(rawValue: settings[.databaseSynchronous]) ?? .normal)
        PrivateFiles.tighten(databasePath: path)
        return store
    } catch {
        printError("cannot open database: \(error)")
        throw ExitCode(1)
    }
}
