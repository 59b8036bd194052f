import AsyncHTTPClient
@testable import CairnAgents
import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// A small real web server on loopback for `http_get` to fetch from.
func withPageServer<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
    let router = Router()
    router.get("/page") { _, _ in "hello from the page server" }
    router.get("/big") { _, _ in String(repeating: "x", count: 10_000) }
    let port = Mutex(0)
    var logger = Logger(label: "page-server")
    // Ended by cancelling, which Hummingbird logs as an error ("Waiting on child channel:
    // CancellationError()") on every test; as in TestServer, its own logger stays quiet.
    logger.logLevel = .critical
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port ?? 0 } }, logger: logger)
    let server = Task { try await app.run() }
    defer { server.cancel() }
    while port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
    return try await body(port.withLock { $0 })
}

@Suite("The tool dispatcher")
struct ToolDispatcherTests {
    @Test func malformedModelArgumentsBecomeFailedToolResults() async throws {
        let server = try TestServer()
        let store = try CairnStore.Store(path: server.databasePath)
        defer { try? store.close() }
        let context = ToolContext(
            run: RunContext(userID: .generate(), threadID: .generate(), runID: .generate(), requestID: nil, deadline: .now + .seconds(60), stop: StopReason()),
            threads: ThreadRepository(store.pool), notes: NoteRepository(store.pool),
            settings: try server.settings(), breakers: BreakerRegistry(), now: { Date() })
        let dispatcher = ToolDispatcher(tools: BuiltinTools.all, timeout: .seconds(5))
        let allowed: Set<String> = ["calculator"]
        let cases: [(String, String, String)] = [
            ("calculator", "{not json", "arguments must be a JSON object"),
            ("calculator", "[1,2]", "arguments must be a JSON object"),
            ("calculator", #"{"expression": 5}"#, "invalid arguments"),
            ("calculator", #"{"expr": "1+1"}"#, "invalid arguments"),
            ("calculator", #"{"expression": "1/0"}"#, "division by zero"),
            ("current_time", "{}", "unknown tool"),
            ("rm_rf", "{}", "unknown tool"),
        ]
        for (name, arguments, expected) in cases {
            let outcome = try await dispatcher.run(ToolCall(id: "c", name: name, arguments: arguments), parsed: try? JSONValue.parse(arguments),
                                                   allowed: allowed, context: context)
            #expect(outcome.ok == false, "\(arguments)")
            #expect(outcome.error?.contains(expected) == true, "\(arguments) → \(outcome.error ?? "")")
            #expect(outcome.messageContent.contains("error"))
        }
        let good = try await dispatcher.run(ToolCall(id: "c", name: "calculator", arguments: #"{"expression":"2*21"}"#),
                                            parsed: try JSONValue.parse(#"{"expression":"2*21"}"#), allowed: allowed, context: context)
        #expect(good.ok)
        #expect(good.result?["value"] == 42)
    }
}

@Suite("The http_get tool")
struct HTTPGetToolTests {
    @Test func addressClassification() {
        for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "0.0.0.0",
                        "100.64.0.1", "224.0.0.1", "255.255.255.255", "198.18.0.1", "198.19.255.255", "192.0.2.1", "203.0.113.7",
                        "::1", "::", "fd00::1", "fe80::1", "fec0::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:8.8.8.8",
                        "64:ff9b::7f00:1", "64:ff9b:1::1", "2002:7f00:1::1", "2001::1", "2001:2::1", "2001:db8::1", "100::1", "garbage", ""] {
            #expect(!AddressPolicy.isPublic(address), "\(address)")
        }
        for address in ["93.184.216.34", "172.32.0.1", "8.8.8.8", "198.20.0.1", "2606:4700::1111", "2a00:1450:4001::1"] {
            #expect(AddressPolicy.isPublic(address), "\(address)")
        }
        #expect(HTTPGetTool.hostAllowed("api.example.com", allowlist: "other.org, .example.com"))
        #expect(!HTTPGetTool.hostAllowed("example.com.evil.net", allowlist: ".example.com"))
        #expect(!HTTPGetTool.hostAllowed("anything", allowlist: ""))
        // A port other than the scheme's default must be named.
        #expect(HTTPGetTool.hostAllowed("example.com", port: 443, scheme: "https", allowlist: "example.com"))
        #expect(!HTTPGetTool.hostAllowed("example.com", port: 8443, scheme: "https", allowlist: "example.com"))
        #expect(HTTPGetTool.hostAllowed("example.com", port: 8443, scheme: "https", allowlist: "example.com:8443"))
        #expect(!HTTPGetTool.hostAllowed("example.com", port: 22, scheme: "http", allowlist: "example.com:8443"))
        #expect(HTTPGetTool.hostAllowed("example.com", port: 22, scheme: "http", allowlist: "example.com:*"))
        // The connection goes to the checked address.
        #expect(HTTPGetTool.pinnedConfiguration(host: "example.com", address: "93.184.216.34").dnsOverride == ["example.com": "93.184.216.34"])
    }

    func fetch(_ settings: [String: String], url: @escaping @Sendable (Int) -> String) async throws -> [String: Any] {
        let payload = try await withPageServer { port in
            try await TestServer(settings.merging(["agents.offline_chunk_delay_ms": "0"]) { $1 }).run { client, env in
                _ = try await env.auth.createAdmin(email: "root@example.com", password: "admin password 1", name: nil, origin: .commandLine, actor: "test")
                let admin = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "root@example.com", "password": "admin password 1"]).json()["access_token"] as? String)
                _ = try await client.call(.put, "/api/admin/agents/fetcher", json: ["description": "fetches", "kind": "chat", "tools": ["http_get"]], token: admin)
                let (_, run, _) = try await client.startRun(admin, input: "fetch \(url(port))", agent: "fetcher")
                _ = try await client.waitForRun(admin, run)
                let events = try await client.events(admin, run)
                #expect(EventOrder.violations(typedEvents(events)).isEmpty)
                let completed = try #require(events.first { $0["type"] as? String == "tool_completed" }?["payload"] as? [String: Any])
                return try JSONSerialization.data(withJSONObject: completed)
            }
        }
        return try JSONSerialization.jsonObject(with: payload) as? [String: Any] ?? [:]
    }

    @Test func fetchesFromAnAllowedHost() async throws {
        let result = try await fetch(["tools.http_get.enabled": "true", "tools.http_get.allowed_hosts": "localhost:*",
                                      "tools.http_get.allow_private": "true"]) { "http://localhost:\($0)/page" }
        #expect(result["ok"] as? Bool == true)
        let body = (result["result"] as? [String: Any])?["body"] as? String
        #expect(body == "hello from the page server")
    }

    @Test func capsTheBodySize() async throws {
        let result = try await fetch(["tools.http_get.enabled": "true", "tools.http_get.allowed_hosts": "127.0.0.1:*",
                                      "tools.http_get.allow_private": "true", "tools.http_get.max_bytes": "100"]) { "http://127.0.0.1:\($0)/big" }
        let fetched = result["result"] as? [String: Any]
        #expect((fetched?["body"] as? String)?.count == 100)
        #expect(fetched?["truncated"] as? Bool == true)
    }

    @Test(arguments: [
        (["tools.http_get.enabled": "false"], "disabled"),
        (["tools.http_get.enabled": "true", "tools.http_get.allowed_hosts": "example.org", "tools.http_get.allow_private": "true"], "allowlist"),
        (["tools.http_get.enabled": "true", "tools.http_get.allowed_hosts": "127.0.0.1:*"], "private"),
        (["tools.http_get.enabled": "true", "tools.http_get.allowed_hosts": "127.0.0.1", "tools.http_get.allow_private": "true"], "port"),
    ])
    func refusesWhatIsNotAllowed(settings: [String: String], reason: String) async throws {
        let result = try await fetch(settings) { "http://127.0.0.1:\($0)/page" }
        #expect(result["ok"] as? Bool == false)
        #expect((result["error"] as? String)?.contains(reason) == true)
    }
}
