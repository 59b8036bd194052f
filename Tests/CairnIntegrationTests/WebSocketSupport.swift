import CairnCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import Logging
import NIOWebSocket
import Synchronization

/// Every frame a test socket received, in order, and whether the server has closed it.
final class WSInbox: Sendable {
    private let state = Mutex((frames: [String](), closed: false))

    func append(_ text: String) { state.withLock { $0.frames.append(text) } }
    func markClosed() { state.withLock { $0.closed = true } }
    var closed: Bool { state.withLock { $0.closed } }

    var frames: [[String: Any]] {
        state.withLock { $0.frames }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Polls until `predicate` holds over the frames so far; throws after `timeout`.
    @discardableResult
    func wait(timeout: Duration = .seconds(15), _ what: String, until predicate: ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let frames = self.frames
            if predicate(frames) { return frames }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw CairnError(.internal, "timed out waiting for \(what); got \(frames.map { $0["type"] as? String ?? "?" })")
    }

    func waitClosed(timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !closed {
            guard ContinuousClock.now < deadline else { throw CairnError(.internal, "socket was not closed; got \(frames.map { $0["type"] as? String ?? "?" })") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Frames of one run, in arrival order.
    func runFrames(_ run: String) -> [[String: Any]] { frames.filter { $0["run_id"] as? String == run } }

    func hasRunCompleted(_ run: String) -> Bool { runFrames(run).contains { $0["type"] as? String == "run_completed" } }
}

/// The writing side handed to a test body.
struct WSSender: Sendable {
    let outbound: WebSocketOutboundWriter

    func send(_ object: [String: Any]) async throws {
        try await outbound.write(.text(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)))
    }

    func sendText(_ text: String) async throws { try await outbound.write(.text(text)) }
}

extension TestClientProtocol {
    /// Opens a real WebSocket to this live server; see `openSocket`.
    @discardableResult
    func socket(_ path: String = "/ws", headers extra: [String: String] = [:], extensions: [WebSocketExtensionFactory] = [],
                _ body: @escaping @Sendable (WSInbox, WSSender) async throws -> Void) async throws -> WebSocketCloseFrame? {
        try await openSocket(port: port!, path, headers: extra, extensions: extensions, body)
    }
}

/// Opens a real WebSocket to `path`, runs `body` while a reader collects frames, then closes
/// normally (unless the server already did). Returns the close frame the server sent.
@discardableResult
func openSocket(port: Int, _ path: String = "/ws", headers extra: [String: String] = [:], extensions: [WebSocketExtensionFactory] = [],
                _ body: @escaping @Sendable (WSInbox, WSSender) async throws -> Void) async throws -> WebSocketCloseFrame? {
    let failure = Mutex<(any Error)?>(nil)
    let close = try await WebSocketClient.connect(
        url: "ws://localhost:\(port)\(path)", configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers(extra), extensions: extensions),
        logger: Logger(label: "ws-test")
    ) { inbound, outbound, _ in
        let inbox = WSInbox()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 22) {
                        if case .text(let text) = message { inbox.append(text) }
                    }
                } catch {}
                inbox.markClosed()
            }
            do { try await body(inbox, WSSender(outbound: outbound)) } catch { failure.withLock { $0 = error } }
            if !inbox.closed { try? await outbound.close(.normalClosure, reason: nil) }
            await group.waitForAll()
        }
    }
    if let error = failure.withLock({ $0 }) { throw error }
    return close
}

func frameTypes(_ frames: [[String: Any]]) -> [String] { frames.map { $0["type"] as? String ?? "?" } }

func payload(_ frame: [String: Any]?) -> [String: Any] { frame?["payload"] as? [String: Any] ?? [:] }

/// A value shared between a test and the tasks it starts.
final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    var value: Value {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
