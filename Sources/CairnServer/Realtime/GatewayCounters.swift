import CairnAgents
import CairnAuth
import CairnCore
import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// Counters of the realtime gateway (served at `/metrics`).
public final class GatewayCounters: Sendable {
    let state = Mutex((open: 0, replaced: 0, perUser: [UserID: [GatewayConnection]](), watching: false))
    /// Counted by every socket on every frame: atomics, not the registry's lock.
    let messagesIn = Atomic(0), messagesOut = Atomic(0), slowConsumersDropped = Atomic(0), resumes = Atomic(0)
    public var open: Int { state.withLock { $0.open } }

    func slowConsumerDropped() { slowConsumersDropped.add(1, ordering: .relaxed) }

    /// Closes every open socket (after the frames already queued) and waits, at most `timeout`,
    /// until they are gone.
    public func closeAll(code: UInt16, reason: String, timeout: Duration) async {
        let all = state.withLock { $0.perUser.values.flatMap { $0 } }
        for connection in all { connection.close(.unknown(code), reason: reason) }
        let deadline = ContinuousClock.now + timeout
        while open > 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    }
    /// Once a second, checks every distinct credential behind the open sockets (in one database
    /// read, however many sockets share a session) and closes, with 4401, the sockets of a
    /// session that ended or a user who was disabled. The loop runs while sockets are open.
    func watchSessions(every period: Duration = .seconds(1), areStillValid: @escaping @Sendable ([Principal]) async -> [Bool]) {
        let start = state.withLock { state -> Bool in
            defer { state.watching = true }
            return !state.watching
        }
        guard start else { return }
        Task { [self] in
            while true {
                try? await Task.sleep(for: period)
                let open = state.withLock { state -> [GatewayConnection]? in
                    let all = state.perUser.values.flatMap { $0 }
                    if all.isEmpty { state.watching = false }
                    return all.isEmpty ? nil : all
                }
                guard let open else { return }
                let key = { (principal: Principal) in
                    "\(principal.userID.rawValue)|\(principal.sessionID?.rawValue ?? "")|\(principal.tokenID ?? "")"
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
    }

    public var snapshot: (open: Int, messagesIn: Int, messagesOut: Int, slowConsumersDropped: Int, resumes: Int, replaced: Int) {
        let (open, replaced) = state.withLock { ($0.open, $0.replaced) }
        return (
            open, messagesIn.load(ordering: .relaxed), messagesOut.load(ordering: .relaxed),
            slowConsumersDropped.load(ordering: .relaxed), resumes.load(ordering: .relaxed), replaced
        )
    }
}
