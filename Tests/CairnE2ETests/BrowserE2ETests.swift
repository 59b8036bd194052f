import Foundation
import Testing

@Suite("The pages in a real browser")
struct BrowserE2ETests {
    /// The interpreter with Playwright installed (`make test-e2e` prepares it); Chromium is Debian's.
    static var python: String { ProcessInfo.processInfo.environment["CAIRN_BROWSER_PYTHON"] ?? "python3" }

    /// Runs `Clients/<script>` against the server and returns the JSON summary it prints.
    func drive(_ script: String, port: Int) throws -> [String: Any] {
        let client = try ClientScript(script, python: Self.python, base: "http://127.0.0.1:\(port)")
        let output = String(decoding: client.out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = client.finish()
        #expect(client.process.terminationStatus == 0, "\(errors)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output) \(errors)")
    }

    @Test func chatPageSignsUpChatsAndStopsOverTheWebSocket() async throws {
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", temporaryDirectory("browser").path, "--set", "auth.bcrypt_cost=4",
                                       "--set", "agents.offline_chunk_delay_ms=40"])
        defer { server.terminate() }
        let port = try await server.waitForPort()
        let summary = try drive("browser_chat.py", port: port)
        #expect(summary["answered"] as? Bool == true)
        #expect(summary["stopped"] as? Bool == true)
        #expect(summary["threads"] as? Int == 2)
        // The page follows runs over /ws (one socket per followed run, closed when the run ends), never SSE.
        let sockets = summary["sockets"] as? [String] ?? []
        #expect(sockets.count == 3 && sockets.allSatisfy { $0 == "ws://127.0.0.1:\(port)/ws" }, "\(sockets)")
        #expect(summary["sse_requests"] as? Int == 0)
        #expect((summary["errors"] as? [String] ?? []).isEmpty, "\(summary["errors"] ?? [])")
    }

    @Test func consoleForcesABreakerOpenResetsItAndTakesABackup() async throws {
        let dataDir = temporaryDirectory("browser-admin")
        let (status, output) = try await runCairn(["admin", "create", "--email", "root@example.com", "--password-stdin",
                                                   "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"], stdin: "admin password 1\n")
        #expect(status == 0, "\(output)")
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"])
        defer { server.terminate() }
        let summary = try drive("browser_admin.py", port: try await server.waitForPort())
        #expect(summary["forced_open_via_api"] as? String == "FORCED_OPEN")
        #expect(summary["after_reset"] as? String == "CLOSED")
        #expect(summary["audited"] as? Bool == true)
        #expect(summary["downloaded_sqlite"] as? Bool == true, "the console's download is the database file")
        let listed = summary["backups_listed"] as? [[Any]] ?? []
        #expect(listed.count == 1 && listed.first?[0] as? String == "manual" && listed.first?[1] as? Bool == true)
        #expect((summary["errors"] as? [String] ?? []).isEmpty, "\(summary["errors"] ?? [])")
    }
}
