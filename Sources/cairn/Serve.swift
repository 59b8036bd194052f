import ArgumentParser
import CairnCore
import CairnServer
import CairnStore
import Foundation
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP and WebSocket server.")

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        let staticSettings = try options.loadOrExit()
        LogSetup.bootstrap(
            format: LogFormat(rawValue: staticSettings.string("log.format")) ?? .text,
            level: Logger.Level(rawValue: staticSettings.string("log.level")) ?? .info)
        let store = try openStore(staticSettings)
        let settings: EffectiveSettings
        do {
            settings = try options.load(runtime: try SettingsRepository(store: store).all())
        } catch let error as ConfigurationError {
            printError(error.description)
            throw ExitCode(2)
        }
        let logger = Logger(label: "cairn")
        logger.info("starting", metadata: ["database": .string(store.path)])
        let env = ServerEnvironment(settings: settings, store: store, logger: logger)
        try await CairnApplication.run(env) { channel in
            let port = channel.localAddress?.port ?? 0
            logger.info("listening", metadata: ["url": .string("http://\(settings.string("server.host")):\(port)")])
        }
        logger.info("stopped")
    }
}
