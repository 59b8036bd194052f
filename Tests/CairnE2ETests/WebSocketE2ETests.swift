import Foundation
import Testing

@Suite("The cairn binary's /ws with a third-party client")
struct WebSocketE2ETests {
    /// The interpreter with `websockets` installed (`make test-e2e` prepares it).
    static var python: String { ProcessInfo.processInfo.environment["CAIRN_PYTHON"] ?? "python3" }

    @Test func pythonWebsocketsClientChatsAndResumes() async throws {
        let dataDir = temporaryDirectory("ws")
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4",
                                       "--set", "agents.offline_chunk_delay_ms=20", "--set", "ws.ping_interval_seconds=1"])
        defer { server.terminate() }
        let port = try await server.waitForPort()
        let client = try ClientScript("ws_chat.py", python: Self.python, base: "http://127.0.0.1:\(port)")
        let out = client.out
        // The script prints READY while it holds a socket open; then the server is stopped.
        var output = ""
        while !output.contains("READY\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output += String(decoding: chunk, as: UTF8.self)
        }
        kill(server.process.processIdentifier, SIGTERM)
        output += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = client.finish()
        #expect(client.process.terminationStatus == 0, "\(errors)")
        output = output.replacingOccurrences(of: "READY\n", with: "")

        let summary = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output) \(errors)")
        #expect(summary["chat_events"] as? Int ?? 0 >= 9)
        // hummingbird-websocket answers every refused upgrade with 400 (see docs/API.md).
        #expect(summary["reused_ticket_status"] as? Int == 400)
        #expect(summary["no_credentials_status"] as? Int == 400)
        #expect(summary["resumed_from"] as? Int ?? 0 >= 4)
        #expect(summary["resumed_events"] as? Int ?? 0 > 0)
        // A peer that never answers pings (sent every second here) is closed within a few pings.
        #expect(summary["dead_peer_closed_after_s"] as? Double ?? 99 < 5)
        // Graceful shutdown closes open sockets with 1001 and the server exits cleanly.
        #expect(summary["shutdown_close_code"] as? Int == 1001)
        #expect(try await server.waitForExit() == 0)
    }
}
