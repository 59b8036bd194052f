import ArgumentParser
import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import CairnSystemShims
import Foundation
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server.")

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        limitMallocArenas()
        let staticSettings = try options.loadOrExit()
        LogSetup.bootstrap(
            format: LogFormat(rawValue: staticSettings[.logFormat]) ?? .text,
            level: Logger.Level(rawValue: staticSettings[.logLevel]) ?? .info)
        // Held until the process ends: `cairn restore` and a second server are refused meanwhile.
        let lock = try lockDataDirectory(staticSettings)
        defer { withExtendedLifetime(lock) {} }
        let store = try openStore(staticSettings)
        let fileLimit = raiseFileLimit()
        let settings = try options.loadWithRuntimeOrExit(store)
        let logger = Logger(label: "cairn")
        logger.info(
            "starting",
            metadata: [
                "database": .string(store.path), "version": .string(CairnVersion.string),
                "open_files_limit": .string(fileLimit.map(String.init) ?? "unknown"),
            ])
        let env = try await ServerEnvironment.boot(settings: settings, store: store, logger: logger)
        let host = settings[.serverHost]
        let port = settings[.serverPort]
        do {
            try await CairnApplication.run(env) { channel in
                // Only once the port is ours (a server that cannot listen hands out no token), and
                // before "listening", which scripts wait for.
                do {
                    if let token = try await env.auth.issueSetupTokenIfNeeded() {
                        logger.notice(
                            "no administrator exists yet: open /admin/ and enter this one-time setup token (valid 1 hour), or run `cairn admin create`",
                            metadata: ["setup_token": .string(token)])
                    }
                } catch {
                    logger.error("could not issue a setup token", metadata: ["error": .string("\(error)")])
                }
                let bound = channel.localAddress?.port ?? 0
                logger.info("listening", metadata: ["url": .string("http://\(host):\(bound)")])
            }
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES || error.errnoCode == EADDRNOTAVAIL {
            throw ListenError(host: host, port: port, errno: error.errnoCode)
        }
        logger.info("stopped")
    }
}

/// glibc gives each new thread its own malloc arena (up to 8 per core), and each arena keeps
/// the memory freed into it: with the task pool, NIO and SQLite threads that came and went, a
/// soak saw RSS creep up long after the live heap (heaptrack: under 9 MB) had stopped growing.
/// Two arenas are plenty for a server whose hot paths are on a handful of threads.
func limitMallocArenas() {
    _ = cairn_limit_malloc_arenas(2)
}

/// Every socket is a file descriptor: raise the soft limit on open files to the hard limit, as
/// servers holding many WebSocket connections must. Returns the limit in force.
func raiseFileLimit() -> UInt64? {
    #if canImport(Glibc)
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return UInt64(limit.rlim_cur)
    #else
        return nil
    #endif
}
