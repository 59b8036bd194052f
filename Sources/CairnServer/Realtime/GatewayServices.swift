import CairnAuth
import Foundation

/// The `/ws` gateway's shared parts, built once per server: the registry of open sockets, the
/// watcher that closes the sockets of revoked credentials, and the gateway's counters. Each
/// owns its state; this value only holds them together.
///
/// ```swift
/// let gateway = GatewayServices { principals in await auth.areStillValid(principals) }
/// let figures = gateway.snapshot          // open sockets and every counter, for `/metrics`
/// await gateway.connections.closeAll(code: 1001, reason: "server is shutting down", timeout: .seconds(2))
/// ```
public struct GatewayServices: Sendable {
    public let connections: ConnectionRegistry
    public let sessions: SessionWatcher
    public let metrics: GatewayMetrics

    /// `areStillValid` answers, for each credential, whether its session (or key) and user are still good.
    public init(areStillValid: @escaping @Sendable ([Principal]) async -> [Bool]) {
        connections = ConnectionRegistry()
        sessions = SessionWatcher(connections: connections, areStillValid: areStillValid)
        metrics = GatewayMetrics()
    }

    /// Open sockets and the counters since the server started.
    public var snapshot: (open: Int, messagesIn: Int, messagesOut: Int, slowConsumersDropped: Int, resumes: Int, replaced: Int) {
        let counted = metrics.snapshot
        return (connections.open, counted.messagesIn, counted.messagesOut, counted.slowConsumersDropped, counted.resumes, counted.replaced)
    }
}
