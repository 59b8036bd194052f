import Foundation
import Testing

/// The long-form suites that drive the real binary from outside: crash safety (SIGKILL at
/// random points, 20 times) and resource faults (disk full, database locked by another process,
/// file descriptors exhausted). Each is a Python script in Clients/ that prints `FAILED: …` on
/// the first broken promise and a JSON summary line at the end.
@Suite("The binary under crashes and resource faults", .serialized)
struct HarnessE2ETests {
    /// Runs a harness script against the binary and returns its JSON summary.
    func run(_ script: String, _ arguments: [String] = []) throws -> [String: Any] {
        let client = try ClientScript(script, python: "python3", base: CairnProcess.binary, extra: arguments)
        let output = String(decoding: client.out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = client.finish()
        #expect(client.process.terminationStatus == 0, "\(script) failed:\n\(errors.suffix(4_000))\n\(output.suffix(4_000))")
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        return (try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func everyPromiseHoldsAcrossTwentyKills() throws {
        let summary = try run("crash_safety.py", ["--iterations", "20"])
        #expect(summary["ok"] as? Bool == true && summary["iterations"] as? Int == 20, "\(summary)")
        #expect(summary["kills"] as? Int ?? 0 > 0 && summary["broken_promises"] as? Int == 0, "\(summary)")
    }

    @Test func resourceFaultsDegradeClearlyAndRecover() throws {
        let summary = try run("resource_faults.py")
        #expect(summary["ok"] as? Bool == true && (summary["failed"] as? [Any])?.isEmpty == true, "\(summary)")
    }

    /// Schemathesis (property-based, from the OpenAPI description) against the real binary, as
    /// a user and as an administrator: no 5xx, answers that conform to the description.
    @Test func schemathesisFindsNoServerErrorAndNoNonconformingAnswer() async throws {
        let python = ProcessInfo.processInfo.environment["CAIRN_SCHEMATHESIS_PYTHON"] ?? "python3"
        let dataDir = temporaryDirectory("schemathesis")
        let (created, output) = try await runCairn(["admin", "create", "--email", "st-admin@example.com", "--password-stdin",
                                                    "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"],
                                                   stdin: "schemathesis admin pw\n")
        #expect(created == 0, "\(output)")
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4",
                                       "--set", "agents.offline_chunk_delay_ms=0", "--set", "ratelimit.register_per_ip_per_minute=100000",
                                       "--set", "ratelimit.login_per_ip_per_minute=100000", "--set", "ratelimit.threads_per_user_per_minute=100000"])
        defer { server.terminate() }
        let port = try await server.waitForPort()
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Public/openapi.json").path
        let client = try ClientScript("schemathesis_run.py", python: python, base: "http://127.0.0.1:\(port)", extra: [spec],
                                      environment: ["CAIRN_ST_ADMIN_EMAIL": "st-admin@example.com", "CAIRN_ST_ADMIN_PASSWORD": "schemathesis admin pw"])
        let out = String(decoding: client.out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = client.finish()
        #expect(client.process.terminationStatus == 0, "\(errors.suffix(4_000))\n\(out.suffix(6_000))")
        let last = out.split(separator: "\n").last.map(String.init) ?? ""
        let summary = (try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]) ?? [:]
        #expect(!summary.isEmpty, "\(out.suffix(2_000))")
        #expect(server.process.isRunning)
    }
}
