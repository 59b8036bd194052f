import CairnAuth
import CairnCore
import Foundation
import NIOWebSocket
import Synchronization

/// The open `/ws` sockets, per user. It admits a new socket within the server-wide and per-user
/// limits (over the per-user limit the user's oldest socket gives way with 4429, so a new tab
/// always works), forgets a socket when it ends, and closes them all at shutdown.
///
/// ```swift
/// let connections = ConnectionRegistry()
/// switch connections.admit(connection, limit: 10_000, perUser: 8) {
/// case .refused: try? await outbound.close(.unknown(1013), reason: "server is at its connection limit")
/// case .admitted, .admittedReplacingOldest: break
/// }
/// defer { connections.remove(connection) }
/// await connections.closeAll(code: 1001, reason: "server is shutting down", timeout: .seconds(2))
/// ```
public final class ConnectionRegistry: Sendable {
    private struct State {
        var open = 0
        var perUser: [UserID: [GatewayConnection]] = [:]
    }
    private let state = Mutex(State())

    /// What `admit` did with a new socket.
    enum Admission: Equatable {
        case admitted
        /// Admitted; the user's oldest socket was closed (4429) to make room.
        case admittedReplacingOldest
        /// The server is at its connection limit: the socket was not registered.
        case refused
    }

    public init() {}

    /// Open sockets.
    public var open: Int { state.withLock { $0.open } }

    /// Every open socket.
    var all: [GatewayConnection] { state.withLock { $0.perUser.values.flatMap { $0 } } }

    /// Registers `connection` unless the server holds `limit` sockets already; when its user holds
    /// `perUser`, closes their oldest.
    func admit(_ connection: GatewayConnection, limit: Int, perUser: Int) -> Admission {
        let user = connection.principal.userID
        let (admitted, replaced) = state.withLock { state -> (Bool, GatewayConnection?) in
            guard state.open < limit else { return (false, nil) }
            var mine = state.perUser[user, default: []]
            let replaced = mine.count >= perUser ? mine.removeFirst() : nil
            mine.append(connection)
            state.perUser[user] = mine
            state.open += 1
            return (true, replaced)
        }
        guard admitted else { return .refused }
        guard let replaced else { return .admitted }
        replaced.close(WebSocketGateway.tooManyConnections, reason: "replaced by a newer connection")
        return .admittedReplacingOldest
    }

    /// Forgets an admitted socket that ended.
    func remove(_ connection: GatewayConnection) {
        let user = connection.principal.userID
        state.withLock { state in
            state.open -= 1
            state.perUser[user]?.removeAll { $0 === connection }
            if state.perUser[user]?.isEmpty == true { state.perUser.removeValue(forKey: user) }
        }
    }

    /// Closes every open socket (after the frames already queued) and waits, at most `timeout`,
    /// until they are gone.
    public func closeAll(code: UInt16, reason: String, timeout: Duration) async {
        for connection in all { connection.close(.unknown(code), reason: reason) }
        let deadline = ContinuousClock.now + timeout
        while open > 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
