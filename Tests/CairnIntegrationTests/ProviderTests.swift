import CairnAgents
import CairnCore
import CairnServer
import CairnStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Model providers against fake vendors over real HTTP")
struct ProviderTests {
    @Test func openAIChatWithAStreamedToolCall() async throws {
        let vendor = try await FakeVendor()
        defer { Task { await vendor.close() } }
        vendor.enqueue(.events(OpenAIWire.toolCall(id: "call_abc", name: "calculator", arguments: ["{\"expres", "sion\": \"6", "*7\"}"], usage: 20, 8)),
                       .events(OpenAIWire.text(["6*7 ", "is ", "42."], usage: 40, 6)))
        try await withProviderHarness { h in
            let shown = try await h.configure("fake-openai", type: "openai", vendor: vendor, model: "gpt-fake")
            #expect(shown["api_key"] as? String == "****cdef")
            #expect(shown["api_key_set"] as? Bool == true)
            try await h.useProviders(["fake-openai"])
            let (run, events) = try await h.chat("What is 6*7?")
            #expect(run["status"] as? String == "succeeded", "\(run)")
            #expect(streamedText(events) == "6*7 is 42.")
            let completed = try #require(eventsOfType(events, "tool_completed").first)
            #expect(payload(completed)["ok"] as? Bool == true)
            #expect((payload(completed)["result"] as? [String: Any])?["value"] as? Double == 42)
            #expect(EventOrder.violations(typedEvents(events)).isEmpty)
            let usage = try #require(run["usage"] as? [String: Any])
            #expect(usage["input_tokens"] as? Int == 60 && usage["output_tokens"] as? Int == 14)

            // What the vendor saw: the key, the model, streaming with usage, the tool, then the tool's result.
            let seen = vendor.seen
            #expect(seen.paths == ["/v1/chat/completions", "/v1/chat/completions"])
            #expect(seen.headers[0]["authorization"] == "Bearer sk-test-0123456789abcdef")
            let first = seen.bodies[0]
            #expect(first["model"] == "gpt-fake" && first["stream"] == true && first["stream_options"]?["include_usage"] == true)
            #expect(first["tools"]?[0]?["function"]?["name"] == "calculator")
            #expect(first["messages"]?[0]?["role"] == "system")
            let second = seen.bodies[1]["messages"]?.arrayValue ?? []
            let toolMessage = try #require(second.last)
            #expect(toolMessage["role"] == "tool" && toolMessage["tool_call_id"] == "call_abc")
            #expect(toolMessage["content"]?.stringValue?.contains("42") == true)
            #expect(second[second.count - 2]["tool_calls"]?[0]?["function"]?["arguments"] == #"{"expression": "6*7"}"#)

            // Usage per provider and model, and per user.
            let byProvider = try await h.client.call(.get, "/api/admin/usage?group=provider", token: h.admin).json()["items"] as? [[String: Any]]
            #expect(byProvider?.first { $0["provider"] as? String == "fake-openai" }?["calls"] as? Int == 2)
            #expect(byProvider?.first { $0["provider"] as? String == "fake-openai" }?["model"] as? String == "gpt-fake")
            #expect(byProvider?.first { $0["provider"] as? String == "fake-openai" }?["input_tokens"] as? Int == 60)
            let byUser = try await h.client.call(.get, "/api/admin/usage?group=user", token: h.admin).json()["items"] as? [[String: Any]]
            #expect(byUser?.count == 1 && byUser?.first?["output_tokens"] as? Int == 14)

            // The key never comes back in full: not in lists, not in the audit log.
            for path in ["/api/admin/providers", "/api/admin/providers/fake-openai", "/api/admin/audit"] {
                let text = try await h.client.call(.get, path, token: h.admin).text
                #expect(!text.contains("0123456789abcdef"), "\(path) leaked the key")
            }
        }
        await vendor.close()
    }

    @Test func anthropicChatWithAStreamedToolUse() async throws {
        let vendor = try await FakeVendor()
        vendor.enqueue(.events(AnthropicWire.toolUse(id: "toolu_9", name: "calculator", json: ["{\"expression\":", " \"6*7\"}"], usage: 30, 10)),
                       .events(AnthropicWire.text(["The answer ", "is 42."], usage: 50, 7)))
        try await withProviderHarness { h in
            try await h.configure("claude", type: "anthropic", vendor: vendor, model: "claude-fake", apiKey: "ant-key-abcdefghijklmnop")
            try await h.useProviders(["claude"])
            let (run, events) = try await h.chat("What is 6*7?")
            #expect(run["status"] as? String == "succeeded", "\(run)")
            #expect(streamedText(events) == "The answer is 42.")
            #expect(eventsOfType(events, "tool_executing").count == 1)
            #expect(EventOrder.violations(typedEvents(events)).isEmpty)
            let usage = try #require(run["usage"] as? [String: Any])
            #expect(usage["input_tokens"] as? Int == 80 && usage["output_tokens"] as? Int == 17)
            let seen = vendor.seen
            #expect(seen.paths == ["/v1/messages", "/v1/messages"])
            #expect(seen.headers[0]["x-api-key"] == "ant-key-abcdefghijklmnop")
            #expect(seen.headers[0]["anthropic-version"] == "2023-06-01")
            #expect(seen.bodies[0]["system"] == "You are a test.")
            #expect(seen.bodies[0]["tools"]?[0]?["input_schema"]?["type"] == "object")
            let messages = seen.bodies[1]["messages"]?.arrayValue ?? []
            #expect(messages.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
            #expect(messages[1]["content"]?[0]?["type"] == "tool_use" && messages[1]["content"]?[0]?["input"]?["expression"] == "6*7")
            #expect(messages[2]["content"]?[0]?["type"] == "tool_result" && messages[2]["content"]?[0]?["tool_use_id"] == "toolu_9")
        }
        await vendor.close()
    }

    @Test func retryableFailuresAreRetriedHonouringRetryAfter() async throws {
        let vendor = try await FakeVendor()
        vendor.enqueue(.status(429, body: #"{"error":{"message":"Rate limit reached"}}"#, headers: ["retry-after": "1"]),
                       .status(503, body: #"{"error":{"message":"overloaded"}}"#),
                       .cut([OpenAIWire.chunk(["role": "assistant", "content": ""])]),
                       .events(OpenAIWire.text(["fine ", "now"])))
        try await withProviderHarness { h in
            try await h.configure("flaky", type: "openai", vendor: vendor, maxRetries: 3)
            try await h.useProviders(["flaky"])
            let started = ContinuousClock.now
            let (run, events) = try await h.chat("hello")
            #expect(run["status"] as? String == "succeeded", "\(run)")
            #expect(streamedText(events) == "fine now")
            #expect(vendor.requestCount == 4)
            let retrying = notices(events, "retrying")
            #expect(retrying.count == 3)
            #expect(retrying.first?["delay_ms"] as? Int == 1000, "Retry-After: 1 is honoured")
            #expect((retrying.first?["message"] as? String)?.contains("429") == true)
            #expect(retrying.map { $0["attempt"] as? Int } == [1, 2, 3])
            #expect(ContinuousClock.now - started >= .seconds(1))
            // The cut stream carried no text yet, so it was retried; the breaker counted three failures.
            let breaker = try await h.breaker("provider:flaky")
            #expect((breaker["totals"] as? [String: Any])?["failed"] as? Int == 3)
            #expect((breaker["totals"] as? [String: Any])?["successful"] as? Int == 1)
        }
        await vendor.close()
    }

    @Test func callerErrorsAreNotRetriedAndSurfaceClearly() async throws {
        let vendor = try await FakeVendor()
        vendor.enqueue(.status(401, body: #"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#),
                       .status(400, body: #"{"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}}"#))
        try await withProviderHarness { h in
            try await h.configure("strict", type: "openai", vendor: vendor, maxRetries: 3)
            try await h.useProviders(["strict", "offline"])
            let (run, events) = try await h.chat("hello")
            #expect(run["status"] as? String == "failed")
            #expect(runError(run).code == "provider_error")
            #expect(runError(run).message?.contains("Incorrect API key provided") == true)
            #expect(runError(run).message?.contains("401") == true)
            #expect(notices(events, "retrying").isEmpty && notices(events, "provider_fallback").isEmpty, "a 401 is neither retried nor a reason to fall back")
            let (tooLong, _) = try await h.chat("hello again")
            #expect(runError(tooLong).code == "context_length_exceeded")
            #expect(vendor.requestCount == 2)
            // The caller's own mistakes do not count against the vendor's health.
            let breaker = try await h.breaker("provider:strict")
            #expect(breaker["state"] as? String == "CLOSED")
            #expect((breaker["totals"] as? [String: Any])?["ignored"] as? Int == 2)
        }
        await vendor.close()
    }

    @Test func aProviderThatIsNotConfiguredIsSkippedWithANotice() async throws {
        try await withProviderHarness { h in
            try await h.useProviders(["ghost", "offline"])
            let (run, events) = try await h.chat("What is 6*7?")
            #expect(run["status"] as? String == "succeeded")
            let fallback = try #require(notices(events, "provider_fallback").first)
            #expect(fallback["from"] as? String == "ghost" && fallback["to"] as? String == "offline")
            #expect((fallback["message"] as? String)?.contains("provider 'ghost' is not configured") == true)
            try await h.useProviders(["ghost"])
            let (alone, _) = try await h.chat("hello")
            #expect(runError(alone).code == "provider_unavailable")
            #expect(runError(alone).message?.contains("provider 'ghost' is not configured") == true)
        }
    }

    @Test func aStreamCutAfterOutputStartedFailsWithoutRetry() async throws {
        let vendor = try await FakeVendor()
        vendor.enqueue(.cut(Array(OpenAIWire.text(["The first ", "half"]).prefix(3))))
        vendor.setFallback(.events(OpenAIWire.text(["should not be used"])))
        try await withProviderHarness { h in
            try await h.configure("cutting", type: "openai", vendor: vendor, maxRetries: 3)
            try await h.useProviders(["cutting", "offline"])
            let (run, events) = try await h.chat("hello")
            #expect(run["status"] as? String == "failed")
            #expect(runError(run).code == "provider_error")
            #expect(runError(run).message?.contains("after the answer had started") == true)
            #expect(streamedText(events) == "The first half")
            #expect(vendor.requestCount == 1, "no retry once text reached the user")
            #expect(notices(events, "provider_fallback").isEmpty)
            // What the user saw is kept as the (partial) answer.
            let thread = try #require(run["thread_id"] as? String)
            let messages = try await h.client.call(.get, "/api/threads/\(thread)/messages", token: h.user).json()["items"] as? [[String: Any]]
            #expect(messages?.last?["content"] as? String == "The first half")
        }
        await vendor.close()
    }

    @Test func aHangingVendorTimesOutAndTheConnectionIsDropped() async throws {
        let vendor = try await FakeVendor()
        vendor.setFallback(.hang)
        try await withProviderHarness { h in
            try await h.configure("hanging", type: "anthropic", vendor: vendor, timeoutMs: 300, maxRetries: 1)
            try await h.useProviders(["hanging"])
            let started = ContinuousClock.now
            let (run, events) = try await h.chat("hello")
            let elapsed = ContinuousClock.now - started
            #expect(run["status"] as? String == "failed")
            #expect(runError(run).code == "provider_unavailable")
            #expect(runError(run).message?.contains("no data for 300 ms") == true)
            #expect(notices(events, "retrying").count == 1)
            #expect(vendor.requestCount == 2)
            // Two 300 ms timeouts, not two 30 s hangs (generous: the suite runs tests in parallel on 2 cores).
            #expect(elapsed < .seconds(15))
            // Cairn closed both connections it gave up on.
            let deadline = ContinuousClock.now + .seconds(3)
            while vendor.seen.clientDisconnects < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(vendor.seen.clientDisconnects == 2)
        }
        await vendor.close()
    }

    @Test func theBreakerOpensFailsFastAndRecoversThroughHalfOpen() async throws {
        let vendor = try await FakeVendor()
        vendor.setFallback(.status(500, body: #"{"error":{"message":"internal error"}}"#))
        // The open wait must outlast the next chat's round trips even with every suite running beside
        // this one on two cores (at 1 s the breaker was sometimes half-open again before the fast run).
        let settings = ["breakers.window_size": "4", "breakers.minimum_calls": "2", "breakers.open_ms": "4000", "breakers.half_open_calls": "1"]
        try await withProviderHarness(settings) { h in
            try await h.configure("sick", type: "openai", vendor: vendor, maxRetries: 0)
            try await h.useProviders(["sick"])
            for _ in 0..<2 {
                let (run, _) = try await h.chat("hello")
                #expect(runError(run).code == "provider_unavailable")
            }
            #expect(vendor.requestCount == 2)
            var breaker = try await h.breaker("provider:sick")
            #expect(breaker["state"] as? String == "OPEN")
            #expect(breaker["failure_rate"] as? Double == 100)
            #expect(breaker["next_attempt_at"] is String)

            // Open: the run fails fast without calling the vendor, and says why.
            let (fast, events) = try await h.chat("hello")
            #expect(runError(fast).code == "provider_unavailable")
            #expect(runError(fast).message?.contains("provider:sick is OPEN") == true)
            #expect(notices(events, "breaker_open").first?["breaker"] as? String == "provider:sick")
            #expect(vendor.requestCount == 2)

            // The vendor heals; after the open wait one trial call closes the breaker.
            vendor.setFallback(.events(OpenAIWire.text(["healthy"])))
            try await Task.sleep(for: .milliseconds(4100))
            let (healed, _) = try await h.chat("hello")
            #expect(healed["status"] as? String == "succeeded")
            breaker = try await h.breaker("provider:sick")
            #expect(breaker["state"] as? String == "CLOSED")
            let transitions = (breaker["transitions"] as? [[String: Any]] ?? []).map { "\($0["from"] ?? "")→\($0["to"] ?? "")" }
            #expect(transitions == ["HALF_OPEN→CLOSED", "OPEN→HALF_OPEN", "CLOSED→OPEN"])

            // The same in Prometheus form.
            let metrics = try await h.client.call(.get, "/metrics", token: h.admin)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains(#"cairn_breaker_state{breaker="provider:sick",state="CLOSED"} 1"#))
            #expect(metrics.text.contains(#"cairn_breaker_calls_total{breaker="provider:sick",kind="not_permitted"} 1"#))
            #expect(metrics.text.contains(#"cairn_breaker_calls_total{breaker="provider:sick",kind="failed"} 2"#))
            #expect(try await h.client.call(.get, "/metrics", token: h.user).status == .forbidden)
            #expect(try await h.client.call(.get, "/metrics").status == .unauthorized)
        }
        await vendor.close()
    }

    @Test func fallbackToASecondProviderAndAdminBreakerActions() async throws {
        let primary = try await FakeVendor()
        let secondary = try await FakeVendor()
        primary.setFallback(.status(503, body: #"{"error":{"message":"unavailable"}}"#))
        secondary.setFallback(.events(AnthropicWire.text(["from ", "the fallback"], usage: 9, 3)))
        try await withProviderHarness { h in
            try await h.configure("primary", type: "openai", vendor: primary, model: "gpt-primary", maxRetries: 1)
            try await h.configure("secondary", type: "anthropic", vendor: secondary, model: "claude-secondary")
            try await h.useProviders(["primary", "secondary"], model: "gpt-special")
            let (run, events) = try await h.chat("hello")
            #expect(run["status"] as? String == "succeeded", "\(run)")
            #expect(streamedText(events) == "from the fallback")
            #expect(notices(events, "retrying").count == 1)
            let fallback = try #require(notices(events, "provider_fallback").first)
            #expect(fallback["from"] as? String == "primary" && fallback["to"] as? String == "secondary")
            #expect(primary.requestCount == 2)
            #expect(primary.seen.bodies[0]["model"] == "gpt-special", "the agent's model goes to its first provider")
            #expect(secondary.seen.bodies[0]["model"] == "claude-secondary", "a fallback uses its own default model")
            let usage = try await h.client.call(.get, "/api/admin/usage?group=provider", token: h.admin).json()["items"] as? [[String: Any]]
            #expect(usage?.map { $0["provider"] as? String } == ["secondary"])

            // An admin forces the primary open: runs skip it without a request, saying so.
            let forced = try await h.client.call(.post, "/api/admin/breakers/provider:primary", json: ["action": "force_open"], token: h.admin)
            #expect(forced.status == .ok)
            #expect(try forced.json()["state"] as? String == "FORCED_OPEN")
            let (second, secondEvents) = try await h.chat("hello again")
            #expect(second["status"] as? String == "succeeded")
            #expect(notices(secondEvents, "breaker_open").count == 1)
            #expect(notices(secondEvents, "provider_fallback").count == 1)
            #expect(primary.requestCount == 2)
            let codes = eventsOfType(secondEvents, "notice").compactMap { payload($0)["code"] as? String }
            #expect(codes == ["breaker_open", "provider_fallback"])

            #expect(try await h.client.call(.post, "/api/admin/breakers/provider:primary", json: ["action": "explode"], token: h.admin).status == .unprocessableContent)
            #expect(try await h.client.call(.post, "/api/admin/breakers/provider:nope", json: ["action": "reset"], token: h.admin).status == .notFound)
            #expect(try await h.client.call(.post, "/api/admin/breakers/provider:primary", json: ["action": "reset"], token: h.user).status == .forbidden)
            // Browsers percent-encode the colon; the name is decoded.
            let reset = try await h.client.call(.post, "/api/admin/breakers/provider%3Aprimary", json: ["action": "reset"], token: h.admin)
            #expect(try reset.json()["state"] as? String == "CLOSED")
            let audit = try await h.client.call(.get, "/api/admin/audit", token: h.admin).text
            #expect(audit.contains("admin.breaker_force_open") && audit.contains("admin.breaker_reset"))
        }
        await primary.close()
        await secondary.close()
    }

    @Test func cancellingARunAbortsTheUpstreamRequest() async throws {
        let vendor = try await FakeVendor()
        vendor.setFallback(.events(OpenAIWire.text((0..<100).map { "word\($0) " }), gapMs: 100))
        try await withProviderHarness { h in
            try await h.configure("slow", type: "openai", vendor: vendor)
            try await h.useProviders(["slow"])
            let (_, run, _) = try await h.client.startRun(h.user, input: "talk slowly")
            let deadline = ContinuousClock.now + .seconds(10)
            while try await h.client.events(h.user, run).contains(where: { $0["type"] as? String == "message_delta" }) == false {
                #expect(ContinuousClock.now < deadline)
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await h.client.call(.post, "/api/runs/\(run)/cancel", token: h.user).status == .accepted)
            let final = try await h.client.waitForRun(h.user, run, timeout: .seconds(2))
            #expect(final["status"] as? String == "cancelled")
            let closed = ContinuousClock.now + .seconds(2)
            while vendor.seen.clientDisconnects == 0, ContinuousClock.now < closed { try await Task.sleep(for: .milliseconds(20)) }
            #expect(vendor.seen.clientDisconnects == 1, "the vendor saw Cairn close the stream")
            let breaker = try await h.breaker("provider:slow")
            #expect((breaker["totals"] as? [String: Any])?["failed"] as? Int == 0, "a cancellation is not the vendor's failure")
        }
        await vendor.close()
    }

    @Test func providerAdministration() async throws {
        let vendor = try await FakeVendor()
        try await withProviderHarness { h in
            func put(_ name: String, _ body: [String: Any], token: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
                let response = try await h.client.call(.put, "/api/admin/providers/\(name)", json: body, token: token ?? h.admin)
                return (response.status, (try? response.json()) ?? [:])
            }
            func problems(_ body: [String: Any]) -> [String: String] {
                ((body["error"] as? [String: Any])?["details"] as? [String: String]) ?? [:]
            }
            let base = "http://127.0.0.1:\(vendor.port)/v1"
            #expect(try await put("x", ["type": "cohere", "model": "m"]).0 == .unprocessableContent)
            #expect(problems(try await put("x", ["type": "openai"]).1)["model"] != nil)
            #expect(problems(try await put("x", ["type": "openai", "model": "m", "base_url": "ftp://host"]).1)["base_url"] != nil)
            #expect(problems(try await put("x", ["type": "openai", "model": "m", "timeout_ms": 5]).1)["timeout_ms"] != nil)
            #expect(problems(try await put("x", ["type": "openai", "model": "m", "max_retries": 99]).1)["max_retries"] != nil)
            #expect(problems(try await put("bad!name", ["type": "openai", "model": "m"]).1)["name"] != nil)
            #expect(try await put("x", ["type": "openai", "model": "m", "options": [1, 2]]).0 == .unprocessableContent)
            #expect(try await h.client.call(.put, "/api/admin/providers/x", json: ["type": "openai", "model": "m"], token: h.user).status == .forbidden)

            let (created, shown) = try await put("main", ["type": "openai", "model": "gpt-a", "base_url": base, "api_key": "sk-live-secret-key-9876"])
            #expect(created == .created && shown["api_key"] as? String == "****9876")
            // Replacing without a key keeps the stored key (secrets are write-only).
            let (replaced, again) = try await put("main", ["type": "openai", "model": "gpt-b", "base_url": base])
            #expect(replaced == .ok && again["api_key"] as? String == "****9876" && again["model"] as? String == "gpt-b")

            // A real test call, made with the kept key.
            vendor.enqueue(.events(OpenAIWire.text(["OK"], usage: 7, 1)))
            let test = try await h.client.call(.post, "/api/admin/providers/main/test", token: h.admin).json()
            #expect(test["ok"] as? Bool == true && test["reply"] as? String == "OK")
            #expect(vendor.seen.headers.last?["authorization"] == "Bearer sk-live-secret-key-9876")
            #expect(vendor.seen.bodies.last?["model"] == "gpt-b" && vendor.seen.bodies.last?["max_tokens"] == 16)
            vendor.enqueue(.status(401, body: #"{"error":{"message":"bad key"}}"#))
            let failed = try await h.client.call(.post, "/api/admin/providers/main/test", token: h.admin).json()
            #expect(failed["ok"] as? Bool == false)
            #expect((failed["error"] as? [String: Any])?["message"] as? String == "HTTP 401: bad key")
            #expect(try await h.client.call(.post, "/api/admin/providers/nope/test", token: h.admin).status == .notFound)

            // The built-in offline provider is listed; a provider an agent uses cannot be deleted.
            let list = try await h.client.call(.get, "/api/admin/providers", token: h.admin).json()["items"] as? [[String: Any]] ?? []
            #expect(list.compactMap { $0["name"] as? String } == ["main", "offline"])
            try await h.useProviders(["main"])
            let refused = try await h.client.call(.delete, "/api/admin/providers/main", token: h.admin)
            #expect(refused.status == .conflict && refused.text.contains("assistant"))
            try await h.useProviders(["offline"])
            #expect(try await h.client.call(.delete, "/api/admin/providers/main", token: h.admin).status == .noContent)
            #expect(try await h.client.call(.delete, "/api/admin/providers/main", token: h.admin).status == .notFound)

            // Providers survive a restart: they live in the database.
            #expect(try await put("kept", ["type": "anthropic", "model": "claude-x", "api_key": "ant-0000000000001111"]).0 == .created)
            try await h.env.services.providers.load()
            #expect(h.env.services.providers.record("kept")?.apiKey == "ant-0000000000001111")
        }
        await vendor.close()
    }
}
