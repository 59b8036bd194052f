import Foundation
import Testing

@Suite("Chat through the cairn binary")
struct ChatE2ETests {
    func signIn(_ http: HTTP, _ email: String) async throws -> String {
        let reply = try await http.send("POST", "/api/auth/register", json: ["email": email, "password": "correct horse battery"])
        return try #require(reply.json["access_token"] as? String)
    }

    @Test func answersAChatOverRESTAndSSE() async throws {
        let dataDir = temporaryDirectory("chat")
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4",
                                       "--set", "agents.offline_chunk_delay_ms=1"])
        defer { server.terminate() }
        let http = HTTP(base: "http://127.0.0.1:\(try await server.waitForPort())")
        let token = try await signIn(http, "e2e-chat@example.com")
        let thread = try #require(try await http.send("POST", "/api/threads", json: [:], token: token).json["id"] as? String)
        let run = try await http.send("POST", "/api/threads/\(thread)/runs", json: ["input": "What is 19 + 23?"], token: token)
        #expect(run.status == 202)
        let runID = try #require(run.json["id"] as? String)
        let stream = try await http.send("GET", "/api/runs/\(runID)/stream", token: token)
        #expect(stream.status == 200)
        #expect(stream.headers["content-type"] == "text/event-stream")
        let text = String(decoding: stream.body, as: UTF8.self)
        let types = text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
        #expect(types.first == "run_status")
        #expect(types.last == "run_completed")
        #expect(types.contains("tool_executing") && types.contains("tool_completed"))
        #expect(text.contains("42"))
        let messages = try await http.send("GET", "/api/threads/\(thread)/messages", token: token)
        let items = messages.json["items"] as? [[String: Any]] ?? []
        #expect(items.count == 2)
        #expect((items.last?["content"] as? String)?.contains("= 42") == true)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }

    @Test func aKilledServerLeavesNoRunOpen() async throws {
        let dataDir = temporaryDirectory("kill")
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4",
                                       "--set", "agents.offline_chunk_delay_ms=300"])
        let http = HTTP(base: "http://127.0.0.1:\(try await server.waitForPort())")
        let token = try await signIn(http, "e2e-kill@example.com")
        let thread = try #require(try await http.send("POST", "/api/threads", json: [:], token: token).json["id"] as? String)
        let runID = try #require(try await http.send("POST", "/api/threads/\(thread)/runs", json: ["input": "say something long and slow please"], token: token).json["id"] as? String)
        try await Task.sleep(for: .milliseconds(800))
        kill(server.process.processIdentifier, SIGKILL)
        _ = try await server.waitForExit()

        let again = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"])
        defer { again.terminate() }
        let http2 = HTTP(base: "http://127.0.0.1:\(try await again.waitForPort())")
        let run = try await http2.send("GET", "/api/runs/\(runID)", token: token)
        #expect(run.json["status"] as? String == "interrupted")
        let events = try await http2.send("GET", "/api/runs/\(runID)/events", token: token).json["items"] as? [[String: Any]] ?? []
        let types = events.compactMap { $0["type"] as? String }
        #expect(types.last == "run_completed")
        #expect(types.filter { $0 == "agent_started" }.count == types.filter { $0 == "agent_completed" }.count)
        let seqs = events.compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...seqs.count))
    }
}
