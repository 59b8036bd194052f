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

/// Stops the run engine on graceful shutdown.
struct EngineStopper: Service {
    let engine: RunEngine

    func run() async throws {
        try? await gracefulShutdown()
        await engine.shutdown()
    }
}
