import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// `/ws`: one socket per tab. Every connection of a user receives the events of that user's
/// runs, and can start, cancel and resume runs. Events reach the socket through a bounded queue;
/// a client that stops reading is closed with 1013 instead of holding memory or the run.
struct WebSocketGateway: Sendable {
    /// Starts, cancels and resumes runs.
    let engine: RunEngine
    /// The live feed of the user's run events, and the stored events gaps are filled from.
    let log: RunLog
    let settings: LiveSettings
    let connections: ConnectionRegistry
    let sessions: SessionWatcher
    let metrics: GatewayMetrics
    let logger: Logger

    /// Close codes of our own, in the application range.
    static let sessionRevoked = WebSocketErrorCode.unknown(4401)
    static let tooManyConnections = WebSocketErrorCode.unknown(4429)
    static let tryAgainLater = WebSocketErrorCode.unknown(1013)
    /// How long events of runs already under way at connect wait for a `resume`.
    static let resumeGrace = Duration.seconds(1)
    /// How long a close frame may take to reach a client before the connection is simply dropped
    /// (a client that stopped reading has a full TCP window, and the frame would never get out).
    static let closeDeadline = Duration.seconds(2)

    /// The largest client message, compressed or not: `ws.max_frame_bytes`, raised when needed so
    /// that a `user_message` carrying a full `messages.max_bytes` (as set at start) always fits.
    static func frameLimit(_ settings: EffectiveSettings) -> Int {
        max(settings[.wsMaxFrameBytes], settings[.messagesMaxBytes] + 4096)
    }

    func handle(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, principal: Principal, requestID: String,
        channel: any Channel
    ) async throws {
        let config = settings.snapshot
        // Once the server decides to close, the socket is gone within `closeDeadline`, the close
        // frame delivered or not. The deadline outlives this handler, which returns as soon as it
        // stops reading.
        let connection = GatewayConnection(
            principal: principal, log: log, queueLimit: config[.wsOutboundQueue],
            metrics: metrics
        ) {
            Task {
                try? await Task.sleep(for: Self.closeDeadline)
                try? await channel.close()
            }
        }
        // Over the per-user limit the user's oldest socket gives way (close 4429), so a new tab
        // always works; over the server-wide limit the new socket is closed with 1013.
        switch connections.admit(connection, limit: config[.wsMaxConnections], perUser: config[.wsMaxConnectionsPerUser]) {
        case .refused:
            try? await outbound.close(Self.tryAgainLater, reason: "server is at its connection limit")
            return
        case .admittedReplacingOldest: metrics.connectionReplaced()
        case .admitted: break
        }
        // A revoked session or disabled user loses its sockets within a second.
        sessions.watch()
        defer { connections.remove(connection) }
        let subscription = log.subscribe(user: principal.userID, buffer: config[.wsOutboundQueue])
        defer { log.unsubscribe(subscription) }
        connection.send(
            Frame.envelope(
                .connectionEstablished,
                payload: [
                    "connection_id": .string(UUID().uuidString.lowercased()), "user_id": .string(principal.userID.rawValue),
                    "protocol": 1, "server_time": .string(Timestamp.format(Date())),
                ]))

        await withThrowingTaskGroup(of: Void.self) { group in
            // The only writer of the socket.
            group.addTask {
                for await frame in connection.frames {
                    try await outbound.write(.text(frame))
                    metrics.frameSent()
                }
                if let code = connection.closeCode {
                    try? await outbound.close(code, reason: connection.closeReason)
                }
            }
            // Live events of this user's runs, with gaps filled from the log.
            group.addTask {
                for await event in subscription.events {
                    try await connection.deliver(event)
                }
                // The bus dropped this socket for falling behind: the client resumes from its last seq.
                if !Task.isCancelled {
                    metrics.slowConsumerDropped()
                    connection.close(Self.tryAgainLater, reason: "fell behind the live events; reconnect and resume")
                }
            }
            // A reconnecting client has a moment to `resume` before runs already under way stream.
            group.addTask {
                try await Task.sleep(for: Self.resumeGrace)
                try await connection.releaseHeld()
            }
            // Client messages, until the client closes or a limit closes the socket.
            let limiter = RateLimiter(clock: SystemClock())
            do {
                var iterator = inbound.messages(maxSize: Self.frameLimit(config)).makeAsyncIterator()
                while let message = try await iterator.next() {
                    metrics.messageReceived()
                    // Closing: what the client sent after that is not handled. A flood of buffered
                    // frames must not keep a closed socket (and its slot) alive.
                    if connection.closeCode != nil { break }
                    if limiter.attempt("messages", limit: config[.wsMessagesPerMinute], window: 60) != nil {
                        connection.send(Frame.error(.rateLimited, "too many messages; slow down"))
                        continue
                    }
                    guard case .text(let text) = message else {
                        connection.send(Frame.error(.invalidJSON, "messages must be JSON text frames"))
                        continue
                    }
                    await handleClientMessage(text, connection: connection, principal: principal, requestID: requestID)
                }
            } catch {
                logger.debug("websocket inbound ended", metadata: ["error": "\(error)"])
            }
            connection.finish()
            group.cancelAll()
        }
    }

    func handleClientMessage(_ text: String, connection: GatewayConnection, principal: Principal, requestID: String) async {
        let frame: ClientFrame
        switch ClientFrame.decode(text, maxContentBytes: settings.snapshot[.messagesMaxBytes]) {
        case .success(let decoded): frame = decoded
        case .failure(let rejection):
            connection.send(rejection.frame)
            return
        }
        switch frame {
        case .ping:
            connection.send(Frame.envelope(.pong, payload: [:]))
        case .userMessage(let content, let threadID, let agent, let clientMessageID):
            do {
                // `message_accepted` is queued before any event of the run it starts.
                try await connection.exclusively {
                    let started = try await engine.start(
                        userID: principal.userID, threadID: threadID, input: content, agent: agent, requestID: requestID)
                    var payload: [String: JSONValue] = [
                        "thread_id": .string(started.run.threadID.rawValue), "run_id": .string(started.run.id.rawValue),
                        "message_id": .string(started.messageID.rawValue),
                    ]
                    if let clientMessageID { payload["client_msg_id"] = clientMessageID }
                    connection.send(Frame.envelope(.messageAccepted, payload: .object(payload)))
                }
            } catch {
                connection.send(Frame.error(ErrorResponse.cairnError(from: error)))
            }
        case .cancelRun(let runID):
            do { try await engine.cancel(runID: runID, userID: principal.userID) } catch {
                connection.send(Frame.error(ErrorResponse.cairnError(from: error)))
            }
        case .resume(let runID, let after):
            metrics.resumeRequested()
            do {
                guard try await connection.replay(runID: runID, after: after) else {
                    connection.send(ClientFrame.notFound.frame)
                    return
                }
            } catch {
                connection.send(Frame.error(ErrorResponse.cairnError(from: error)))
            }
        }
    }
}
