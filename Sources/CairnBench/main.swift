import CairnAgents
import CairnCore
import CairnServer
import CairnStore
import Foundation
import Hummingbird
import Logging
import NIOCore

// `make bench`: runs the real application on a loopback port over a real database file and
// drives it from client threads over real sockets. Prints percentiles and rates; asserts nothing.

/// Writes a line straight to standard output, unbuffered, so progress shows in files and pipes.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

struct Stats {
    var samples: [Double] = []
    mutating func add(_ millis: Double) { samples.append(millis) }
    func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }
    var summary: String {
        String(
            format: "n=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms", samples.count, percentile(0.5), percentile(0.9), percentile(0.99),
            samples.max() ?? .nan)
    }
}

func millis(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return elapsed.fractionalMilliseconds
}

/// Runs `body` on `workers` threads, each with its own connection, for `seconds`.
/// Returns the completed operations and their latencies.
func load(port: Int, workers: Int, seconds: Double, _ body: @escaping @Sendable (Int, BlockingHTTPClient) throws -> Void) -> (Int, Stats) {
    let lock = NSLock()
    nonisolated(unsafe) var stats = Stats()
    let group = DispatchGroup()
    let deadline = Date().addingTimeInterval(seconds)
    for worker in 0..<workers {
        group.enter()
        Thread.detachNewThread {
            let client = BlockingHTTPClient(port: port)
            var local = Stats()
            while Date() < deadline {
                let start = ContinuousClock.now
                if (try? body(worker, client)) != nil { local.add(millis(since: start)) }
            }
            lock.withLock { stats.samples += local.samples }
            group.leave()
        }
    }
    group.wait()
    return (stats.samples.count, stats)
}

func benchAuth(port: Int) throws {
    let password = "benchmark password 1"
    let setup = BlockingHTTPClient(port: port)
    for index in 0..<16 {
        let reply = try setup.send("POST", "/api/auth/register", json: ["email": "bench\(index)@example.com", "password": password])
        guard reply.status == 201 else { throw BenchError("register failed: \(reply.status)") }
    }

    var sequential = Stats()
    for index in 0..<40 {
        let start = ContinuousClock.now
        let reply = try setup.send("POST", "/api/auth/login", json: ["email": "bench\(index % 16)@example.com", "password": password])
        guard reply.status == 200 else { throw BenchError("login failed: \(reply.status)") }
        sequential.add(millis(since: start))
    }
    report("login latency (sequential, bcrypt cost 12): \(sequential.summary)")

    // Logins from 8 clients while a probe asks /healthz every 20 ms: bcrypt must not stall the server.
    let healthLock = NSLock()
    nonisolated(unsafe) var health = Stats()
    nonisolated(unsafe) var probing = true
    let probeDone = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        let client = BlockingHTTPClient(port: port)
        while healthLock.withLock({ probing }) {
            let start = ContinuousClock.now
            _ = try? client.send("GET", "/healthz")
            let elapsed = millis(since: start)
            healthLock.withLock { health.add(elapsed) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        probeDone.signal()
    }
    let seconds = 10.0
    let (logins, loginStats) = load(port: port, workers: 8, seconds: seconds) { worker, client in
        let reply = try client.send("POST", "/api/auth/login", json: ["email": "bench\(worker)@example.com", "password": password])
        guard reply.status == 200 else { throw BenchError("status \(reply.status)") }
    }
    healthLock.withLock { probing = false }
    probeDone.wait()
    report(String(format: "login throughput (8 clients, %.0f s): %.1f logins/s; latency %@", seconds, Double(logins) / seconds, loginStats.summary))
    report("healthz while logins run: \(healthLock.withLock { health.summary })")

    let token =
        try setup.send("POST", "/api/auth/login", json: ["email": "bench0@example.com", "password": password]).json["access_token"] as! String
    let (count, meStats) = load(port: port, workers: 16, seconds: 5) { _, client in
        let reply = try client.send("GET", "/api/auth/me", token: token)
        guard reply.status == 200 else { throw BenchError("status \(reply.status)") }
    }
    report(String(format: "GET /api/auth/me (16 clients, 5 s): %.0f req/s; latency %@", Double(count) / 5, meStats.summary))
}

let only = CommandLine.arguments.dropFirst().first
if only == "backup" {
    // A generated database of BACKUP_MB MiB (default 1024), backed up while a writer runs.
    try await benchBackup(megabytes: Int(ProcessInfo.processInfo.environment["BACKUP_MB"] ?? "") ?? 1024)
    exit(0)
}
if only == "ws-idle" {
    // The real binary next to this one, in its own process.
    let binary =
        ProcessInfo.processInfo.environment["CAIRN_BINARY"]
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cairn").path
    try await benchWebSocketIdleExternal(binary: binary, connections: Int(ProcessInfo.processInfo.environment["WS_CONNECTIONS"] ?? "") ?? 10_000)
    exit(0)
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
let settings = try ConfigurationLoader.load(
    ConfigurationSources(flags: [
        "server.port": "0", "data.dir": directory.path,
        "ratelimit.login_per_ip_per_minute": "100000", "ratelimit.login_per_account_per_minute": "100000",
        "ratelimit.register_per_ip_per_minute": "100000",
    ]))
let store = try Store(path: directory.appendingPathComponent("cairn.db").path)
var logger = Logger(label: "cairn-bench")
logger.logLevel = .error
let env = try await ServerEnvironment.boot(settings: settings, store: store, logger: logger)
let port = PortBox()
let app = CairnApplication.makeApplication(env) { channel in port.set(channel.localAddress?.port ?? 0) }
let server = Task { try await app.run() }
while port.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
report("cairn-bench: server on 127.0.0.1:\(port.value), 2 cores shared by server and clients")
let boundPort = port.value
if only == nil || only == "auth" {
    try await Task.detached { try benchAuth(port: boundPort) }.value
}
if only == nil || only == "engine" {
    try await benchEngine(env: env, directory: directory)
}
if only == nil || only == "ws" {
    try await benchWebSocket(env: env, port: boundPort)
}
await env.engine.shutdown()
server.cancel()
try? FileManager.default.removeItem(at: directory)

final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    var value: Int { lock.withLock { port } }
    func set(_ value: Int) { lock.withLock { port = value } }
}
