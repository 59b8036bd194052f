import CairnCore
import CairnServer
import CairnStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import NIOCore

// `make bench`: runs the real application on a loopback port over a real database file and
// drives it with concurrent HTTP clients. Prints percentiles and rates; asserts nothing.

struct Stats {
    var samples: [Double] = []
    mutating func add(_ millis: Double) { samples.append(millis) }
    func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }
    var summary: String {
        String(format: "n=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms", samples.count, percentile(0.5), percentile(0.9), percentile(0.99), samples.max() ?? .nan)
    }
}

actor Recorder {
    var stats = Stats()
    func add(_ millis: Double) { stats.add(millis) }
}

func millis(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

let session: URLSession = {
    let config = URLSessionConfiguration.ephemeral
    config.httpMaximumConnectionsPerHost = 64
    return URLSession(configuration: config)
}()

func request(_ base: String, _ method: String, _ path: String, json: [String: Any]? = nil, token: String? = nil) async throws -> (Int, [String: Any]) {
    var request = URLRequest(url: URL(string: base + path)!)
    request.httpMethod = method
    if let json {
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let (data, response) = try await session.data(for: request)
    let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    return ((response as! HTTPURLResponse).statusCode, object)
}

/// Runs `body` from `workers` concurrent loops until `duration` passes; returns completed operations.
func load(workers: Int, duration: Duration, _ body: @escaping @Sendable (Int) async throws -> Void) async -> Int {
    let deadline = ContinuousClock.now + duration
    return await withTaskGroup(of: Int.self) { group in
        for worker in 0..<workers {
            group.addTask {
                var done = 0
                while ContinuousClock.now < deadline {
                    if (try? await body(worker)) != nil { done += 1 }
                }
                return done
            }
        }
        return await group.reduce(0, +)
    }
}

func benchAuth(base: String) async throws {
    let password = "benchmark password 1"
    for index in 0..<16 {
        let (status, _) = try await request(base, "POST", "/api/auth/register", json: ["email": "bench\(index)@example.com", "password": password])
        precondition(status == 201, "register failed: \(status)")
    }

    // 1. Login latency, one at a time, at the default bcrypt cost.
    var sequential = Stats()
    for index in 0..<40 {
        let start = ContinuousClock.now
        let (status, _) = try await request(base, "POST", "/api/auth/login", json: ["email": "bench\(index % 16)@example.com", "password": password])
        precondition(status == 200, "login failed: \(status)")
        sequential.add(millis(since: start))
    }
    print("login latency (sequential, bcrypt cost 12): \(sequential.summary)")

    // 2. Login throughput with 8 concurrent clients while /healthz is probed every 20 ms.
    let health = Recorder()
    let probe = Task {
        while !Task.isCancelled {
            let start = ContinuousClock.now
            _ = try? await request(base, "GET", "/healthz")
            await health.add(millis(since: start))
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
    let loginLatency = Recorder()
    let seconds = 10.0
    let logins = await load(workers: 8, duration: .seconds(seconds)) { worker in
        let start = ContinuousClock.now
        let (status, _) = try await request(base, "POST", "/api/auth/login", json: ["email": "bench\(worker)@example.com", "password": password])
        guard status == 200 else { throw CairnError(.internal, "status \(status)") }
        await loginLatency.add(millis(since: start))
    }
    probe.cancel()
    print(String(format: "login throughput (8 clients, %.0f s): %.1f logins/s; latency %@", seconds, Double(logins) / seconds, await loginLatency.stats.summary))
    print("healthz while logins run: \(await health.stats.summary)")

    // 3. Authenticated requests: every one verifies the JWT and checks session, user and denylist.
    let (_, body) = try await request(base, "POST", "/api/auth/login", json: ["email": "bench0@example.com", "password": password])
    let token = body["access_token"] as! String
    let meLatency = Recorder()
    let meCount = await load(workers: 16, duration: .seconds(5)) { _ in
        let start = ContinuousClock.now
        let (status, _) = try await request(base, "GET", "/api/auth/me", token: token)
        guard status == 200 else { throw CairnError(.internal, "status \(status)") }
        await meLatency.add(millis(since: start))
    }
    print(String(format: "GET /api/auth/me (16 clients, 5 s): %.0f req/s; latency %@", Double(meCount) / 5, await meLatency.stats.summary))
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
let settings = try ConfigurationLoader.load(ConfigurationSources(flags: [
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
print("cairn-bench: server on 127.0.0.1:\(port.value), database \(directory.path)")
try await benchAuth(base: "http://127.0.0.1:\(port.value)")
server.cancel()
try? FileManager.default.removeItem(at: directory)

final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    var value: Int { lock.withLock { port } }
    func set(_ value: Int) { lock.withLock { port = value } }
}
