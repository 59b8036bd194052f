import Foundation
import Testing

@Suite("The chat page in a real browser")
struct BrowserE2ETests {
    /// The interpreter with Playwright installed (`make test-e2e` prepares it); Chromium is Debian's.
    static var python: String { ProcessInfo.processInfo.environment["CAIRN_BROWSER_PYTHON"] ?? "python3" }

    @Test func signUpChatAndStopOverTheWebSocket() async throws {
        let dataDir = temporaryDirectory("browser")
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4",
                                       "--set", "agents.offline_chunk_delay_ms=40"])
        defer { server.terminate() }
        let port = try await server.waitForPort()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/browser_chat.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Self.python, script, "http://127.0.0.1:\(port)"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output) \(errors)")
        #expect(summary["answered"] as? Bool == true)
        #expect(summary["stopped"] as? Bool == true)
        #expect(summary["threads"] as? Int == 2)
        // The page follows runs over /ws (one socket per followed run, closed when the run ends), never SSE.
        let sockets = summary["sockets"] as? [String] ?? []
        #expect(sockets.count == 3 && sockets.allSatisfy { $0 == "ws://127.0.0.1:\(port)/ws" }, "\(sockets)")
        #expect(summary["sse_requests"] as? Int == 0)
        #expect((summary["errors"] as? [String] ?? []).isEmpty, "\(summary["errors"] ?? [])")
    }
}
