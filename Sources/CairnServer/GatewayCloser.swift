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

/// Closes WebSocket connections with 1001 (going away) on graceful shutdown, before the HTTP
/// server stops (hummingbird-websocket would otherwise close them with 1000).
struct GatewayCloser: Service {
    let connections: ConnectionRegistry

    func run() async throws {
        try? await gracefulShutdown()
        await connections.closeAll(code: 1001, reason: "server is shutting down", timeout: .seconds(2))
    }
}
