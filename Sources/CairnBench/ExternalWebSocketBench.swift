import Foundation
import WSCore

#if canImport(Glibc)
    import Glibc
#endif

/// `cairn-bench ws-idle`: idle `/ws` connections held by the real `cairn` binary in its own
/// process, opened by swift-websocket clients in this one. The server's memory is read from its
/// own /proc entry, so the figure is the server's alone (the in-process `ws` bench counts both ends).
func benchWebSocketIdleExternal(binary: String, connections: Int) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-bench-ws-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    // A thousand sockets per user, as many users as that takes.
    let users = max(1, (connections + 999) / 1000)
    let perUser = (connections + users - 1) / users
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = [
        "serve", "--port", "0", "--data-dir", directory.path, "--log-level", "info",
        "--set", "ws.max_connections=\(connections + 100)", "--set", "ws.max_connections_per_user=\(min(10_000, perUser + 10))",
        "--set", "auth.bcrypt_cost=4", "--set", "ratelimit.register_per_ip_per_minute=1000",
    ]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    defer {
        process.terminate()
        process.waitUntilExit()
    }
    let port = try await listeningPort(output.fileHandleForReading)
    report("ws-idle: cairn binary pid \(process.processIdentifier) on 127.0.0.1:\(port); load generator is this process")

    let tokens = try await Task.detached {
        try (0..<users).map { index in
            let reply = try BlockingHTTPClient(port: port).send(
                "POST", "/api/auth/register",
                json: ["email": "ws-idle\(index)@example.com", "password": "benchmark password 1"])
            guard let token = reply.json["access_token"] as? String else { throw BenchError("register failed: \(reply.status)") }
            return token
        }
    }.value
    try await Task.sleep(for: .milliseconds(500))
    let before = residentMegabytes(pid: process.processIdentifier)
    let connected = FanOutProbe()
    let release = Shared(false)
    let start = ContinuousClock.now
    let sockets = Task {
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<connections {
                let token = tokens[index % users]
                group.addTask {
                    await openBenchSocket(port: port, token: token) { inbound in
                        for try await _ in inbound.messages(maxSize: 1 << 20) {
                            connected.connected()
                            break
                        }
                        while !release.value { try await Task.sleep(for: .milliseconds(200)) }
                    }
                }
            }
        }
    }
    while connected.connectedCount < connections, ContinuousClock.now - start < .seconds(180) { try await Task.sleep(for: .milliseconds(50)) }
    let opened = connected.connectedCount
    let openSeconds = millis(since: start) / 1000
    try await Task.sleep(for: .seconds(2))
    let after = residentMegabytes(pid: process.processIdentifier)
    // The server still answers promptly with every socket open.
    let probe = try await Task.detached {
        let client = BlockingHTTPClient(port: port)
        var stats = Stats()
        for _ in 0..<200 {
            let started = ContinuousClock.now
            _ = try client.send("GET", "/healthz")
            stats.add(millis(since: started))
        }
        return stats
    }.value
    report(
        String(
            format:
                "ws-idle: %d/%d connections (%d users) open in %.1f s; cairn server RSS %.0f MB -> %.0f MB = %.1f KB per connection (server only); /healthz meanwhile %@",
            opened, connections, users, openSeconds, before, after, (after - before) * 1024 / Double(max(opened, 1)), probe.summary))
    release.value = true
    sockets.cancel()
}

/// Reads the server's log until it names its port.
func listeningPort(_ handle: FileHandle) async throws -> Int {
    try await Task.detached {
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
            if let range = seen.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                let port = Int(seen[range].split(separator: ":").last ?? "")
            {
                // Keep draining the log so the server never blocks on a full pipe.
                Thread.detachNewThread { while !handle.availableData.isEmpty {} }
                return port
            }
        }
        throw BenchError("the server did not report its port: \(seen.suffix(500))")
    }.value
}

/// A process's resident set from /proc, in MB.
func residentMegabytes(pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return .nan }
    return kb / 1024
}
