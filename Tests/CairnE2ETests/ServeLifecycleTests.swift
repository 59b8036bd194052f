import Foundation
import Testing

@Suite("The cairn binary as a process")
struct ServeLifecycleTests {
    @Test func servesCreatesItsDataAndStopsCleanlyOnSigterm() async throws {
        let dataDir = temporaryDirectory("serve").appendingPathComponent("nested/data")
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"])
        let port = try await server.waitForPort()
        let http = HTTP(base: "http://127.0.0.1:\(port)")
        let health = try await http.send("GET", "/healthz")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        #expect(try await http.send("GET", "/readyz").status == 200)
        let page = try await http.send("GET", "/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")

        let dbPath = dataDir.appendingPathComponent("cairn.db").path
        #expect(FileManager.default.fileExists(atPath: dbPath))
        // Password hashes, signing keys and provider keys live here: private to the server's user.
        func mode(_ path: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? nil }
        #expect(mode(dataDir.path) == 0o700)
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: dbPath + suffix) {
            #expect(mode(dbPath + suffix) == 0o600, "cairn.db\(suffix)")
        }

        let stopStart = ContinuousClock.now
        kill(server.process.processIdentifier, SIGTERM)
        let status = try await server.waitForExit(timeout: .seconds(5))
        #expect(status == 0)
        #expect(ContinuousClock.now - stopStart < .seconds(5))
        #expect(server.log.contains("database closed"))
        let header = try FileHandle(forReadingFrom: URL(fileURLWithPath: dbPath)).read(upToCount: 16)
        #expect(header == Data("SQLite format 3\u{0}".utf8))

        // Restart on the same data directory: the database opens, is migrated and writable.
        let again = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"])
        let port2 = try await again.waitForPort()
        let ready = try await HTTP(base: "http://127.0.0.1:\(port2)").send("GET", "/readyz")
        #expect(ready.status == 200)
        #expect(ready.json["status"] as? String == "ready")
        kill(again.process.processIdentifier, SIGINT)
        #expect(try await again.waitForExit(timeout: .seconds(5)) == 0)
    }

    @Test(arguments: [
        (["serve", "--port", "99999"], [String: String](), "server.port"),
        (["serve"], ["CAIRN_LOG_LEVEL": "loud"], "log.level"),
        (["serve", "--config", "/nonexistent/cairn.yaml"], [String: String](), "/nonexistent/cairn.yaml"),
        (["serve", "--set", "auth.registration=sometimes"], [String: String](), "auth.registration"),
    ])
    func badConfigurationExitsWithStatus2(arguments: [String], environment: [String: String], mentions: String) async throws {
        let dataDir = temporaryDirectory("bad")
        let (status, output) = try await runCairn(arguments + ["--data-dir", dataDir.path], environment: environment)
        #expect(status == 2)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(output.contains(mentions))
        #expect(output.hasPrefix("invalid configuration"))
        // Nothing was created for a configuration that never became valid.
        #expect(!FileManager.default.fileExists(atPath: dataDir.appendingPathComponent("cairn.db").path))
    }

    /// A port another process holds: one line naming the address and what to do, a failing exit
    /// status, and no setup token handed out by a server that never listened.
    @Test func aPortInUseIsNamedAndNoSetupTokenIsPrinted() async throws {
        let first = try CairnProcess(["serve", "--port", "0", "--data-dir", temporaryDirectory("holder").path])
        defer { first.terminate() }
        let port = try await first.waitForPort()
        #expect(first.log.contains("setup_token="), "the first server has no administrator either")
        let (status, output) = try await runCairn(["serve", "--port", "\(port)", "--data-dir", temporaryDirectory("second").path])
        #expect(status != 0)
        #expect(output.contains("cannot listen on 127.0.0.1:\(port): the port is already in use"), "\(output)")
        #expect(!output.contains("bind(descriptor"), "\(output)")
        #expect(!output.contains("setup_token="), "\(output)")
    }

    /// A client that connects and sends nothing, or a request head a byte at a time, gets its
    /// connection closed after the idle timeout; and a silent connection does not hold up a
    /// graceful shutdown. Before, both held their file descriptor forever, and shutdown waited
    /// out its whole grace period for them (in the test harness, forever).
    @Test func silentAndTricklingConnectionsAreClosedAndDoNotHoldUpShutdown() async throws {
        let server = try CairnProcess([
            "serve", "--port", "0", "--data-dir", temporaryDirectory("silent").path,
            "--set", "server.idle_timeout_seconds=1", "--set", "server.shutdown_grace_seconds=60",
        ])
        defer { server.terminate() }
        let port = try await server.waitForPort()
        let silent = try RawSocket(port: port)
        let trickling = try RawSocket(port: port)
        #expect(trickling.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "))
        // The same on a kept-alive connection, after a first request that was answered.
        let keptAlive = try RawSocket(port: port)
        #expect(keptAlive.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
        #expect(keptAlive.received("HTTP/1.1 200", within: .seconds(5)))
        #expect(keptAlive.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "))
        let trickle = Task.detached {
            // A header byte every 200 ms, never the blank line that ends the head.
            for _ in 0..<50 {
                _ = trickling.send("a")
                _ = keptAlive.send("a")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(silent.closedByServer(within: .seconds(8)), "a connection that sent nothing was left open")
        #expect(trickling.closedByServer(within: .seconds(8)), "a connection trickling its request head was left open")
        #expect(keptAlive.closedByServer(within: .seconds(8)), "a kept-alive connection trickling its next request head was left open")
        trickle.cancel()
        // A whole request is answered as before, on a connection opened meanwhile.
        let whole = try RawSocket(port: port)
        #expect(whole.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
        #expect(whole.received("HTTP/1.1 200", within: .seconds(5)))
        #expect(try await HTTP(base: "http://127.0.0.1:\(port)").send("GET", "/healthz").status == 200)

        // Shutdown with a silent connection and an idle kept-alive one open: both are closed at
        // once, the grace period is not waited out.
        let waiting = try RawSocket(port: port)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(30)) == 0)
        #expect(waiting.closedByServer(within: .seconds(1)))
        #expect(whole.closedByServer(within: .seconds(1)))
    }

    @Test func refusesADataFileThatIsNotSQLite() async throws {
        let dataDir = temporaryDirectory("foreign")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        let dbPath = dataDir.appendingPathComponent("cairn.db")
        let original = Data(repeating: 0x41, count: 4096)
        try original.write(to: dbPath)
        let (status, output) = try await runCairn(["serve", "--port", "0", "--data-dir", dataDir.path])
        #expect(status != 0)
        #expect(output.contains("not a SQLite database"))
        #expect(try Data(contentsOf: dbPath) == original)
    }

    @Test func versionAndConfigShow() async throws {
        let (status, output) = try await runCairn(["version"])
        #expect(status == 0)
        #expect(output.contains("cairn "))
        #expect(output.contains("sqlite 3."))
        #expect(output.contains("commit "))

        let (showStatus, shown) = try await runCairn(["config", "show", "--data-dir", temporaryDirectory("show").path, "--port", "9123"],
                                                     environment: ["CAIRN_METRICS_TOKEN": "very-secret-value", "CAIRN_LOG_FORMAT": "json"])
        #expect(showStatus == 0)
        #expect(shown.contains("9123  [flag: command line]"))
        #expect(shown.contains("json  [env: CAIRN_LOG_FORMAT]"))
        #expect(shown.contains("********  [env: CAIRN_METRICS_TOKEN]"))
        #expect(!shown.contains("very-secret-value"))
    }
}
