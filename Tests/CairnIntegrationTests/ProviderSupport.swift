import CairnAgents
import CairnAuth
import CairnCore
import CairnServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// A live Cairn with an admin and a user, and fake vendors on loopback for its providers.
struct ProviderHarness: Sendable {
    let client: any TestClientProtocol
    let env: ServerEnvironment
    let admin: String
    let user: String

    /// `PUT /api/admin/providers/{name}` pointing at `vendor`.
    @discardableResult
    func configure(_ name: String, type: String, vendor: FakeVendor, model: String = "fake-model", apiKey: String? = "sk-test-0123456789abcdef",
                   timeoutMs: Int = 5_000, maxRetries: Int = 0, expect status: HTTPResponse.Status = .created) async throws -> [String: Any] {
        var body: [String: Any] = ["type": type, "base_url": "http://127.0.0.1:\(vendor.port)" + (type == "openai" ? "/v1" : ""),
                                   "model": model, "timeout_ms": timeoutMs, "max_retries": maxRetries]
        if let apiKey { body["api_key"] = apiKey }
        let response = try await client.call(.put, "/api/admin/providers/\(name)", json: body, token: admin)
        #expect(response.status == status, "\(response.text)")
        return try response.json()
    }

    /// Points the `assistant` agent at `providers` (a fallback list) with the calculator.
    func useProviders(_ providers: [String], model: String? = nil) async throws {
        var body: [String: Any] = ["description": "test assistant", "kind": "chat", "system_prompt": "You are a test.",
                                   "provider": providers, "tools": ["calculator"], "max_steps": 4]
        if let model { body["model"] = model }
        let response = try await client.call(.put, "/api/admin/agents/assistant", json: body, token: admin)
        #expect(response.status == .created || response.status == .ok, "\(response.text)")
    }

    /// Runs one chat to its end; returns the final run and its events.
    func chat(_ input: String, timeout: Duration = .seconds(20)) async throws -> (run: [String: Any], events: [[String: Any]]) {
        let (_, run, status) = try await client.startRun(user, input: input)
        #expect(status == .created || status == .accepted)
        let final = try await client.waitForRun(user, run, timeout: timeout)
        return (final, try await client.events(user, run))
    }

    func breaker(_ name: String) async throws -> [String: Any] {
        let items = try await client.call(.get, "/api/admin/breakers", token: admin).json()["items"] as? [[String: Any]] ?? []
        return try #require(items.first { $0["name"] as? String == name })
    }
}

func withProviderHarness(_ settings: [String: String] = [:], _ body: @Sendable (ProviderHarness) async throws -> Void) async throws {
    var merged = ["agents.offline_chunk_delay_ms": "0", "providers.retry_base_ms": "10", "providers.retry_max_delay_ms": "2000"]
    merged.merge(settings) { $1 }
    try await TestServer(merged).run { client, env in
        _ = try await env.auth.createAdmin(email: "root@example.com", password: "admin password 1", name: nil, origin: .commandLine, actor: "test")
        let admin = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "root@example.com", "password": "admin password 1"])
            .json()["access_token"] as? String)
        let user = try await client.registerUser("user@example.com")
        try await body(ProviderHarness(client: client, env: env, admin: admin, user: user.access))
    }
}

func eventsOfType(_ events: [[String: Any]], _ type: String) -> [[String: Any]] {
    events.filter { $0["type"] as? String == type }
}

func notices(_ events: [[String: Any]], _ code: String) -> [[String: Any]] {
    eventsOfType(events, "notice").map { payload($0) }.filter { $0["code"] as? String == code }
}

func streamedText(_ events: [[String: Any]]) -> String {
    eventsOfType(events, "message_delta").compactMap { payload($0)["text"] as? String }.joined()
}

func runError(_ run: [String: Any]) -> (code: String?, message: String?) {
    let error = run["error"] as? [String: Any]
    return (error?["code"] as? String, error?["message"] as? String)
}
