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
}
