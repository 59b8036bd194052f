import CairnAgents
import CairnCore
import CairnServer
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization

/// `/ws` figures over real sockets on loopback. The load generator is Swift in this process
/// (swift-websocket's client on the same event loops as the server), so the figures include the
/// client's cost on the same 2 cores. Memory is the whole process (server and clients).
func benchWebSocket(env: ServerEnvironment, port: Int) async throws {
    var flags: [String: String] = [:]
    for (key, value) in env.settings.snapshot.values { flags[key] = value.value }
    flags["agents.offline_chunk_delay_ms"] = "0"
    flags["ws.max_connections_per_user"] = "10000"
    flags["ws.messages_per_minute"] = "100000"
    flags["runs.max_per_user"] = "8"
    flags["runs.queue_per_user"] = "100"
    env.settings.replace(with: try ConfigurationLoader.load(ConfigurationSources(flags: flags)))

    let (token, userID) = try await Task.detached {
        let client = BlockingHTTPClient(port: port)
        let reply = try client.send("POST", "/api/auth/register", json: ["email": "ws-bench@example.com", "password": "benchmark password 1"])
        return (reply.json["access_token"] as! String, UserID((reply.json["user"] as! [String: Any])["id"] as! String)!)
    }.value

    let idle = Int(ProcessInfo.processInfo.environment["WS_CONNECTIONS"] ?? "") ?? 5000
    let probe = FanOutProbe()
    let release = Shared(false)
    let rssBefore = residentMegabytes()
    let start = ContinuousClock.now
    let sockets = Task {
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<idle {
                group.addTask {
                    await openBenchSocket(port: port, token: token) { inbound in
                        var first = true
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            if first {
                                first = false
                                probe.connected()
                                continue
                            }
                            if index < 1000 { probe.received(text) }
                            if release.value { break }
                        }
                    }
                }
            }
        }
    }
    while probe.connectedCount < idle, ContinuousClock.now - start < .seconds(120) { try await Task.sleep(for: .milliseconds(50)) }
    let opened = probe.connectedCount
    try await Task.sleep(for: .seconds(1))
    let rssAfter = residentMegabytes()
    report(
        String(
            format: "ws idle: %d/%d connections open in %.1f s; process RSS %.0f MB -> %.0f MB = %.1f KB per connection (server and client side)",
            opened, idle, millis(since: start) / 1000, rssBefore, rssAfter, (rssAfter - rssBefore) * 1024 / Double(max(opened, 1))))

    // Fan-out: every event of the user's runs goes to all connections; the first 1,000 measure.
    probe.reset()
    let runs = 20
    let fanStart = ContinuousClock.now
    for index in 0..<runs {
        _ = try await env.engine.start(
            userID: userID, threadID: nil,
            input: "what is \(index) * 3", agent: "assistant", requestID: nil)
    }
    while probe.completedRuns < runs * min(idle, 1000), ContinuousClock.now - fanStart < .seconds(120) {
        try await Task.sleep(for: .milliseconds(20))
    }
    let elapsed = millis(since: fanStart) / 1000
    let (frames, latency) = probe.result
    report(
        String(
            format:
                "ws fan-out: %d runs to %d sockets: %d events delivered to the 1,000 measured clients in %.2f s = %.0f events/s; event time -> client receive (ms resolution) %@",
            runs, opened, frames, elapsed, Double(frames) / elapsed, latency.summary))

    // Paced: one run streaming a word every 30 ms, well below capacity: latency without a backlog.
    flags["agents.offline_chunk_delay_ms"] = "30"
    env.settings.replace(with: try ConfigurationLoader.load(ConfigurationSources(flags: flags)))
    probe.reset()
    let pacedStart = ContinuousClock.now
    _ = try await env.engine.start(
        userID: userID, threadID: nil, input: "Tell me a long story about a cairn on a hill", agent: "assistant", requestID: nil)
    while probe.completedRuns < min(idle, 1000), ContinuousClock.now - pacedStart < .seconds(120) {
        try await Task.sleep(for: .milliseconds(20))
    }
    let (pacedFrames, pacedLatency) = probe.result
    report(
        String(
            format: "ws paced: 1 run (30 ms per word) to %d sockets: %d events to the measured clients in %.2f s; event time -> client receive %@",
            opened, pacedFrames, millis(since: pacedStart) / 1000, pacedLatency.summary))
    release.value = true
    sockets.cancel()
}

/// One load-generator socket on `/ws` (no auto-ping), open until `body` returns.
func openBenchSocket(port: Int, token: String, _ body: @escaping @Sendable (WebSocketInboundStream) async throws -> Void) async {
    _ = try? await WebSocketClient.connect(
        url: "ws://127.0.0.1:\(port)/ws",
        configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"], autoPing: .disabled),
        logger: Logger(label: "bench")
    ) { inbound, outbound, _ in
        try await body(inbound)
        try? await outbound.close(.normalClosure, reason: nil)
    }
}

/// Counts what the bench clients received.
final class FanOutProbe: Sendable {
    private let state = Mutex((connected: 0, frames: 0, completed: 0, latency: Stats()))
    private static let parser = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    func connected() { state.withLock { $0.connected += 1 } }
    var connectedCount: Int { state.withLock { $0.connected } }
    var completedRuns: Int { state.withLock { $0.completed } }
    var result: (Int, Stats) { state.withLock { ($0.frames, $0.latency) } }
    func reset() {
        state.withLock {
            $0.frames = 0
            $0.completed = 0
            $0.latency = Stats()
        }
    }

    func received(_ text: String) {
        let now = Date()
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], object["seq"] != nil,
            let ts = (object["ts"] as? String).flatMap({ try? Self.parser.parse($0) })
        else { return }
        let done = object["type"] as? String == "run_completed"
        state.withLock {
            $0.frames += 1
            $0.latency.add(now.timeIntervalSince(ts) * 1000)
            if done { $0.completed += 1 }
        }
    }
}

final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    var value: Value {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

/// The process's resident set from /proc, in MB.
func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return .nan }
    return kb / 1024
}
