import ArgumentParser
import CairnCore
import CairnServer
import CairnStore
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the configuration.", subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every effective setting with its source; secrets masked.")

        @OptionGroup var options: SettingsOptions

        func run() throws {
            var settings = try options.loadOrExit()
            // Include runtime settings when the database already exists; never create it here.
            let dbPath = URL(fileURLWithPath: settings[.dataDir]).appendingPathComponent("cairn.db").path
            if FileManager.default.fileExists(atPath: dbPath), let store = try? Store(path: dbPath) {
                if let runtime = try? SettingsRepository(store.pool).all(), let withRuntime = try? options.load(runtime: runtime) {
                    settings = withRuntime
                }
                try? store.close()
            }
            let width = SettingsCatalog.all.map(\.key.count).max() ?? 20
            for definition in SettingsCatalog.all {
                let setting = settings.values[definition.key]!
                let key = definition.key.padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(key)  \(settings.masked(definition.key))  [\(setting.source.rawValue): \(setting.origin)]")
            }
        }
    }
}
