import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The built `cairn` binary run as a child process, as an operator would run it.
final class CairnProcess: Sendable {
    static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["CAIRN_BINARY"] { return explicit }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/cairn").path
    }

    let process: Process
    private let output = OutputBuffer()

    /// Starts `cairn` with `arguments` and extra environment variables.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process = Self.make(arguments, environment: environment)
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try process.run()
    }

    var log: String { output.text.withLock { $0 } }

    /// The one-time setup token `cairn serve` logs (metadata `setup_token`) while no administrator
    /// exists; nil when none was logged.
    var setupToken: String? {
        let text = log
        guard let range = text.range(of: #"setup_token=[A-Za-z0-9_-]+"#, options: .regularExpression) else { return nil }
        return String(text[range].dropFirst("setup_token=".count))
    }

    /// Waits for the "listening" line and returns the bound port.
    func waitForPort(timeout: Duration = .seconds(20)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while true {
            // The log is read before the deadline is: a test task starved past the deadline (other
            // tests blocking the cooperative threads) must not miss a line that is already there.
            if let range = log.range(of: #"url=http://[^: ]+:(\d+)"#, options: .regularExpression) {
                let match = log[range]
                if let port = Int(match.split(separator: ":").last ?? "") { return port }
            }
            if !process.isRunning { throw E2EError("cairn exited early (\(process.terminationStatus)): \(log)") }
            guard ContinuousClock.now < deadline else { throw E2EError("cairn did not start listening: \(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for exit and returns the status, or throws after `timeout`.
    func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { throw E2EError("cairn did not exit within \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    func terminate() { if process.isRunning { process.terminate() } }

    /// A `cairn` process with `arguments`, the caller's environment minus any `CAIRN_*`
    /// (so the machine's settings never leak into a test), plus `environment`.
    static func make(_ arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CAIRN_") }
        env.merge(environment) { $1 }
        process.environment = env
        return process
    }

    deinit { if process.isRunning { process.interrupt(); process.terminate() } }
}

/// Collects a child's output from the pipe's reader thread.
final class OutputBuffer: Sendable {
    let text = Mutex("")
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `cairn` to completion and returns status and combined output.
func runCairn(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws -> (Int32, String) {
    let process = CairnProcess.make(arguments, environment: environment)
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A tiny HTTP client over URLSession.
struct HTTP {
    let base: String

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    func send(_ method: String, _ path: String, json: [String: Any]? = nil, token: String? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, headers: headers, body: data)
    }
}

/// A client script of `Clients/` started with `python` against `base`; stdout and stderr are pipes.
struct ClientScript {
    let process = Process()
    let out = Pipe()
    let err = Pipe()

    init(_ script: String, python: String, base: String, extra: [String] = [], environment: [String: String] = [:]) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/\(script)").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, path, base] + extra
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    /// Everything still to come on stderr, after the script exited.
    func finish() -> String {
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return errors
    }
}

func temporaryDirectory(_ tag: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("cairn-e2e-\(tag)-\(UUID().uuidString)")
}
