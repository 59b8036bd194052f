import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWSCompression
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// Owns the database's lifetime within the service group; it shuts down after the HTTP server
/// (services stop in reverse order), so no request sees a closed database.
struct StoreCloser: Service {
    let store: Store
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try store.close()
            logger.info("database closed")
        } catch {
            logger.error("closing database failed", metadata: ["error": "\(error)"])
        }
    }
}
