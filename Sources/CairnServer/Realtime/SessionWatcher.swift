import CairnAuth
import CairnCore
import Foundation
import Synchronization

/// Closes, with 4401, the open sockets of a session that ended, an API key that was revoked or a
/// user who was disabled. While sockets are open it checks, once a period, every distinct
/// credential behind them (in one read, however many sockets share a session); with none open
/// it stops until `watch()` is called again.
///
/// ```swift
/// let sessions = SessionWatcher(connections: connections) { principals in await auth.areStillValid(principals) }
/// if connections.admit(connection, limit: 10_000, perUser: 8) != .refused {
///     sessions.watch()   // starts the loop unless it runs already
/// }
/// ```
public final class SessionWatcher: Sendable {
    private let connections: ConnectionRegistry
    private let period: Duration
    private let areStillValid: @Sendable ([Principal]) async -> [Bool]
    /// Whether the loop runs.
    private let watching = Mutex(false)

    public init(
        connections: ConnectionRegistry, every period: Duration = .seconds(1), areStillValid: @escaping @Sendable ([Principal]) async -> [Bool]
    ) {
        self.connections = connections
        self.period = period
        self.areStillValid = areStillValid
    }

    /// Makes sure the loop runs; call after admitting a socket.
    func watch() {
        guard claim() else { return }
        Task { [self] in
            while true {
                try? await Task.sleep(for: period)
                let open = connections.all
                if open.isEmpty {
                    watching.withLock { $0 = false }
                    // A socket admitted meanwhile found the loop still running: take the watch back.
                    guard connections.open > 0, claim() else { return }
                    continue
                }
                await closeRevoked(open)
            }
        }
    }

    /// True when the caller is to start the loop (it was not running).
    private func claim() -> Bool {
        watching.withLock { running in
            defer { running = true }
            return !running
        }
    }

    private func closeRevoked(_ open: [GatewayConnection]) async {
        let key = { (principal: Principal) in
            // The API key too: two sockets of one user opened with two keys are two credentials.
            "\(principal.userID.rawValue)|\(principal.sessionID?.rawValue ?? "")|\(principal.tokenID ?? "")|\(principal.apiKeyID?.rawValue ?? "")"
        }
        var distinct: [String: Principal] = [:]
        for connection in open { distinct[key(connection.principal)] = connection.principal }
        let principals = Array(distinct.values)
        let verdicts = Dictionary(uniqueKeysWithValues: zip(principals.map(key), await areStillValid(principals)))
        for connection in open where verdicts[key(connection.principal)] == false {
            connection.close(WebSocketGateway.sessionRevoked, reason: "session ended")
        }
    }
}
