import CairnAgents
import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationEssentialsCompat
import Testing

extension TestClientProtocol {
    /// Starts a run in a new thread and returns (thread id, run id).
    func startRun(_ token: String, input: String, agent: String? = nil, thread: String? = nil) async throws -> (thread: String, run: String, status: HTTPResponse.Status) {
        var threadID = thread
        if threadID == nil {
            let created = try await call(.post, "/api/threads", json: agent.map { ["agent": $0] } ?? [:], token: token)
            threadID = try created.json()["id"] as? String
        }
        var body: [String: Any] = ["input": input]
        if let agent { body["agent"] = agent }
        let response = try await call(.post, "/api/threads/\(threadID!)/runs", json: body, token: token)
        return (threadID!, (try? response.json()["id"] as? String) ?? "", response.status)
    }

    func runStatus(_ token: String, _ run: String) async throws -> [String: Any] {
        try await call(.get, "/api/runs/\(run)", token: token).json()
    }

    /// Polls until the run reaches a final status (at most `timeout`).
    func waitForRun(_ token: String, _ run: String, timeout: Duration = .seconds(15)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let body = try await runStatus(token, run)
            if let status = body["status"] as? String, ["succeeded", "failed", "cancelled", "interrupted"].contains(status) { return body }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CairnError(.internal, "run \(run) did not finish")
    }

    func events(_ token: String, _ run: String, after: Int = 0) async throws -> [[String: Any]] {
        try await call(.get, "/api/runs/\(run)/events?after=\(after)", token: token).json()["items"] as? [[String: Any]] ?? []
    }
}

/// Rebuilds typed events from the API's JSON so the order contract can be checked.
func typedEvents(_ items: [[String: Any]]) -> [RunEvent] {
    items.compactMap { item in
        guard let run = (item["run_id"] as? String).flatMap(RunID.init), let thread = (item["thread_id"] as? String).flatMap(ThreadID.init),
              let seq = item["seq"] as? Int, let type = (item["type"] as? String).flatMap(RunEventType.init(rawValue:)),
              let payloadData = try? JSONSerialization.data(withJSONObject: item["payload"] ?? [:]),
              let payload = try? JSONDecoder().decode(JSONValue.self, from: payloadData) else { return nil }
        return RunEvent(runID: run, threadID: thread, userID: UserID.generate(), seq: seq, type: type, agent: item["agent"] as? String, payload: payload, at: Date())
    }
}

@Suite("The agent engine over a live server")
struct EngineTests {
    @Test func chatWithAToolCallYieldsTheExpectedOrderedEvents() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, _ in
            let user = try await client.registerUser("chat@example.com")
            let (thread, run, status) = try await client.startRun(user.access, input: "What is 6 * 7?")
            #expect(status == .accepted)
            let final = try await client.waitForRun(user.access, run)
            #expect(final["status"] as? String == "succeeded")
            #expect((final["usage"] as? [String: Any])?["output_tokens"] as? Int ?? 0 > 0)
            let events = try await client.events(user.access, run)
            let types = events.map { $0["type"] as! String }
            let withoutDeltas = types.filter { $0 != "message_delta" }
            #expect(withoutDeltas == ["run_status", "run_status", "agent_started", "agent_thinking", "tool_executing", "tool_completed",
                                      "agent_thinking", "agent_completed", "run_completed"])
            #expect(types.contains("message_delta"))
            #expect(EventOrder.violations(typedEvents(events)).isEmpty)
            let tool = events.first { $0["type"] as? String == "tool_completed" }?["payload"] as? [String: Any]
            #expect(tool?["ok"] as? Bool == true)
            #expect((tool?["result"] as? [String: Any])?["value"] as? Int == 42)
            let answer = events.filter { $0["type"] as? String == "message_delta" }.compactMap { ($0["payload"] as? [String: Any])?["text"] as? String }.joined()
            #expect(answer.contains("42"))
            #expect(answer.hasPrefix("[cairn-offline]"))
            // The user message and the answer are stored, the answer tied to the run.
            let messages = try #require(try await client.call(.get, "/api/threads/\(thread)/messages", token: user.access).json()["items"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["user", "assistant"])
            #expect(messages.last?["content"] as? String == answer)
            #expect(messages.last?["run_id"] as? String == run)
            let completed = events.last?["payload"] as? [String: Any]
            #expect(completed?["message_id"] as? String == messages.last?["id"] as? String)
        }
    }

    @Test func supervisorNestsEveryStepAndPassesOutputsOn() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, _ in
            let user = try await client.registerUser("pipe@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "Please review the quarterly revenue numbers for the board", agent: "supervisor")
            #expect(try await client.waitForRun(user.access, run)["status"] as? String == "succeeded")
            let events = try await client.events(user.access, run)
            #expect(EventOrder.violations(typedEvents(events)).isEmpty)
            let started = events.filter { $0["type"] as? String == "agent_started" }
            #expect(started.compactMap { $0["agent"] as? String } == ["supervisor", "triage", "data", "optimization", "actions", "reporting"])
            for step in started.dropFirst() {
                #expect((step["payload"] as? [String: Any])?["parent"] as? String == "supervisor")
            }
            // Each step saw the outputs of the ones before it.
            let outputs = events.filter { $0["type"] as? String == "agent_completed" }.compactMap { $0["payload"] as? [String: Any] }
            let data = try #require(outputs.first { $0["agent"] as? String == "data" }?["output"] as? String)
            #expect(data.contains(#""previous_steps":1"#))
            let actions = try #require(outputs.first { $0["agent"] as? String == "actions" }?["output"] as? String)
            #expect(actions.contains(#""previous_steps":3"#))
            #expect(events.last?["type"] as? String == "run_completed")
        }
    }

    @Test func triageCanSkipLaterSteps() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, _ in
            let user = try await client.registerUser("skip@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "hello", agent: "supervisor")
            _ = try await client.waitForRun(user.access, run)
            let events = try await client.events(user.access, run)
            let started = events.filter { $0["type"] as? String == "agent_started" }.compactMap { $0["agent"] as? String }
            #expect(started == ["supervisor", "triage", "data", "reporting"])
            #expect(events.filter { ($0["payload"] as? [String: Any])?["code"] as? String == "step_skipped" }.count == 2)
        }
    }

    @Test func failingPipelineStepWithAndWithoutContinueOnError() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, env in
            _ = try await env.auth.createAdmin(email: "root@example.com", password: "admin password 1", name: nil, origin: .commandLine, actor: "test")
            let admin = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "root@example.com", "password": "admin password 1"]).json()["access_token"] as? String)
            // A chat agent that can never finish: a tool call every step, one step allowed.
            let looping = try await client.call(.put, "/api/admin/agents/looper", json: [
                "description": "always calls the calculator", "kind": "chat", "tools": ["calculator"], "max_steps": 1,
                "system_prompt": "loop"], token: admin)
            #expect(looping.status == .created)
            let tolerant = try await client.call(.put, "/api/admin/agents/tolerant", json: [
                "description": "keeps going", "kind": "pipeline",
                "steps": [["agent": "looper", "continue_on_error": true], ["agent": "reporting"]]], token: admin)
            #expect(tolerant.status == .created)
            let strict = try await client.call(.put, "/api/admin/agents/strict", json: [
                "description": "stops", "kind": "pipeline", "steps": [["agent": "looper"], ["agent": "reporting"]]], token: admin)
            #expect(strict.status == .created)
            #expect(try await client.call(.put, "/api/admin/agents/bad", json: ["description": "x", "kind": "pipeline", "steps": [["agent": "nope"]]], token: admin).status == .unprocessableContent)
            // Pipelines may not loop back into themselves through other pipelines.
            #expect(try await client.call(.put, "/api/admin/agents/outer", json: ["description": "x", "kind": "pipeline", "steps": [["agent": "strict"]]], token: admin).status == .created)
            let loop = try await client.call(.put, "/api/admin/agents/strict", json: ["description": "x", "kind": "pipeline", "steps": [["agent": "outer"]]], token: admin)
            #expect(loop.status == .unprocessableContent)

            let (_, okRun, _) = try await client.startRun(admin, input: "compute 1+1 please", agent: "tolerant")
            #expect(try await client.waitForRun(admin, okRun)["status"] as? String == "succeeded")
            let okEvents = try await client.events(admin, okRun)
            #expect(EventOrder.violations(typedEvents(okEvents)).isEmpty)
            #expect(okEvents.contains { ($0["payload"] as? [String: Any])?["code"] as? String == "step_failed" })
            #expect(okEvents.contains { $0["type"] as? String == "agent_started" && $0["agent"] as? String == "reporting" })

            let (_, failedRun, _) = try await client.startRun(admin, input: "compute 1+1 please", agent: "strict")
            let failed = try await client.waitForRun(admin, failedRun)
            #expect(failed["status"] as? String == "failed")
            #expect((failed["error"] as? [String: Any])?["code"] as? String == "max_steps")
            let failedEvents = try await client.events(admin, failedRun)
            #expect(EventOrder.violations(typedEvents(failedEvents)).isEmpty)
            #expect(!failedEvents.contains { $0["type"] as? String == "agent_started" && $0["agent"] as? String == "reporting" })
            let versions = try await client.call(.put, "/api/admin/agents/looper", json: ["description": "v2", "kind": "chat", "max_steps": 2], token: admin)
            #expect(try versions.json()["version"] as? Int == 2)
        }
    }

    @Test func cancelMidStreamEndsCancelledPromptly() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "200"]).run { client, _ in
            let user = try await client.registerUser("cancel@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: String(repeating: "words to echo back slowly ", count: 10))
            // Wait until text is streaming.
            let streaming = ContinuousClock.now + .seconds(10)
            while try await client.events(user.access, run).contains(where: { $0["type"] as? String == "message_delta" }) == false {
                #expect(ContinuousClock.now < streaming)
                try await Task.sleep(for: .milliseconds(20))
            }
            let start = ContinuousClock.now
            let cancel = try await client.call(.post, "/api/runs/\(run)/cancel", token: user.access)
            #expect(cancel.status == .accepted)
            // Promptly: the run stops mid-stream instead of finishing its 50 words at 200 ms each (10 s);
            // the bound leaves room for a loaded two-core machine running every suite at once.
            let final = try await client.waitForRun(user.access, run, timeout: .seconds(5))
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(final["status"] as? String == "cancelled")
            let events = try await client.events(user.access, run)
            #expect(events.filter { $0["type"] as? String == "run_completed" }.count == 1)
            #expect(events.filter { $0["type"] as? String == "agent_completed" }.count == 1)
            #expect(EventOrder.violations(typedEvents(events)).isEmpty)
            // Nothing arrives after the end, and cancelling again is a conflict.
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await client.events(user.access, run).count == events.count)
            #expect(try await client.call(.post, "/api/runs/\(run)/cancel", token: user.access).status == .conflict)
            // The run keeps the part of the answer the user already saw, tied to the run.
            let streamed = events.filter { $0["type"] as? String == "message_delta" }
                .compactMap { ($0["payload"] as? [String: Any])?["text"] as? String }.joined()
            let thread = try #require(final["thread_id"] as? String)
            let messages = try #require(try await client.call(.get, "/api/threads/\(thread)/messages", token: user.access).json()["items"] as? [[String: Any]])
            #expect(messages.last?["role"] as? String == "assistant")
            #expect(messages.last?["content"] as? String == streamed)
            #expect((events.last?["payload"] as? [String: Any])?["message_id"] as? String == messages.last?["id"] as? String)
        }
    }

    @Test func perUserLimitQueuesThenRunsAndAFullQueueIs429() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "30", "runs.max_per_user": "1", "runs.queue_per_user": "1"]).run { client, _ in
            let user = try await client.registerUser("queue@example.com")
            let first = try await client.startRun(user.access, input: "tell me a long story about the sea and the sky")
            let second = try await client.startRun(user.access, input: "and another one please")
            #expect(second.status == .accepted)
            let third = try await client.startRun(user.access, input: "one too many")
            #expect(third.status == .tooManyRequests)
            let firstDone = try await client.waitForRun(user.access, first.run)
            let secondDone = try await client.waitForRun(user.access, second.run)
            #expect(secondDone["status"] as? String == "succeeded")
            let firstFinished = try #require(firstDone["finished_at"] as? String)
            let secondStarted = try #require(secondDone["started_at"] as? String)
            #expect(secondStarted >= firstFinished)
            let queuedEvents = try await client.events(user.access, second.run)
            #expect(queuedEvents.contains { ($0["payload"] as? [String: Any])?["code"] as? String == "queued_behind_n" })
            #expect(EventOrder.violations(typedEvents(queuedEvents)).isEmpty)
            // Another user is not held up by this user's queue.
            let other = try await client.registerUser("other@example.com")
            #expect(try await client.startRun(other.access, input: "hi").status == .accepted)
        }
    }

    @Test func usersNeverSeeEachOthersThreadsRunsOrEvents() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0", "runs.max_per_user": "4"]).run { client, _ in
            let alice = try await client.registerUser("alice@example.com")
            let bob = try await client.registerUser("bob@example.com")
            async let aliceRuns = (0..<3).asyncMap { i in try await client.startRun(alice.access, input: "alice-marker-\(i) what is \(i)+1") }
            async let bobRuns = (0..<3).asyncMap { i in try await client.startRun(bob.access, input: "bob-marker-\(i) remember bob-secret-\(i)") }
            let (aliceStarted, bobStarted) = try await (aliceRuns, bobRuns)
            for started in aliceStarted { _ = try await client.waitForRun(alice.access, started.run) }
            for started in bobStarted { _ = try await client.waitForRun(bob.access, started.run) }
            for started in bobStarted {
                #expect(try await client.call(.get, "/api/runs/\(started.run)", token: alice.access).status == .notFound)
                #expect(try await client.call(.get, "/api/runs/\(started.run)/events", token: alice.access).status == .notFound)
                #expect(try await client.call(.get, "/api/threads/\(started.thread)", token: alice.access).status == .notFound)
                #expect(try await client.call(.get, "/api/threads/\(started.thread)/messages", token: alice.access).status == .notFound)
                #expect(try await client.call(.post, "/api/threads/\(started.thread)/runs", json: ["input": "x"], token: alice.access).status == .notFound)
                #expect(try await client.call(.post, "/api/runs/\(started.run)/cancel", token: alice.access).status == .notFound)
            }
            let aliceThreads = try #require(try await client.call(.get, "/api/threads", token: alice.access).json()["items"] as? [[String: Any]])
            #expect(aliceThreads.count == 3)
            let search = try await client.call(.get, "/api/search?q=marker", token: alice.access).json()["items"] as? [[String: Any]] ?? []
            #expect(!search.isEmpty)
            #expect(search.allSatisfy { ($0["content"] as? String ?? "").contains("alice") })
            for started in aliceStarted {
                let text = try await client.call(.get, "/api/runs/\(started.run)/events", token: alice.access).text
                #expect(!text.contains("bob"))
            }
            // Bob's notes stay Bob's.
            let (_, recall, _) = try await client.startRun(alice.access, input: "what do you remember?")
            _ = try await client.waitForRun(alice.access, recall)
            #expect(!(try await client.call(.get, "/api/runs/\(recall)/events", token: alice.access).text.contains("bob-secret")))
        }
    }

    @Test func sseResumesWithoutGapsOrDuplicatesAndClosesWhenDone() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "5"]).run { client, _ in
            let user = try await client.registerUser("sse@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "stream this sentence back to me word by word")
            // While the run is live: the stream from the start carries every event once.
            let full = try await client.execute(uri: "/api/runs/\(run)/stream", method: .get, headers: [.authorization: "Bearer \(user.access)"])
            #expect(full.headers[.contentType] == "text/event-stream")
            let ids = full.text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
            #expect(ids == Array(1...ids.count))
            #expect(full.text.hasSuffix("\n\n"))
            #expect(full.text.contains("event: run_completed"))
            let resumed = try await client.execute(uri: "/api/runs/\(run)/stream", method: .get,
                                                   headers: headers(["Authorization": "Bearer \(user.access)", "Last-Event-ID": "5"]))
            let resumedIDs = resumed.text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
            #expect(resumedIDs == Array(6...ids.count))
            #expect(try await client.call(.get, "/api/runs/\(run)/stream?after=-1", token: user.access).status == .unprocessableContent)
            // Asking from the last event (or beyond) of a finished run closes at once with nothing.
            let atEnd = try await client.execute(uri: "/api/runs/\(run)/stream", method: .get,
                                                 headers: headers(["Authorization": "Bearer \(user.access)", "Last-Event-ID": "\(ids.count)"]))
            #expect(atEnd.status == .ok)
            #expect(atEnd.body.readableBytes == 0)
        }
    }

    @Test func badInputToThreadsAndRuns() async throws {
        try await TestServer(["messages.max_bytes": "1000"]).run { client, _ in
            let user = try await client.registerUser("input@example.com")
            let thread = try #require(try await client.call(.post, "/api/threads", json: [:], token: user.access).json()["id"] as? String)
            let cases: [([String: Any], HTTPResponse.Status)] = [
                (["input": ""], .unprocessableContent), (["input": "   "], .unprocessableContent),
                (["input": String(repeating: "x", count: 1001)], .unprocessableContent), (["input": "hi", "agent": "nobody"], .unprocessableContent),
                (["input": 5], .unprocessableContent), ([:], .unprocessableContent),
            ]
            for (body, status) in cases {
                #expect(try await client.call(.post, "/api/threads/\(thread)/runs", json: body, token: user.access).status == status)
            }
            #expect(try await client.call(.post, "/api/threads", json: ["agent": "nobody"], token: user.access).status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/threads/thr_nope", token: user.access).status == .notFound)
            #expect(try await client.call(.get, "/api/runs/\(thread)", token: user.access).status == .notFound)
            #expect(try await client.call(.get, "/api/threads", token: nil).status == .unauthorized)
            // Nothing was stored by the rejected requests.
            #expect(try await client.call(.get, "/api/threads/\(thread)", token: user.access).json()["message_count"] as? Int == 0)
            #expect(try await client.call(.patch, "/api/threads/\(thread)", json: ["title": "Renamed"], token: user.access).json()["title"] as? String == "Renamed")
            #expect(try await client.call(.delete, "/api/threads/\(thread)", token: user.access).status == .noContent)
            #expect(try await client.call(.get, "/api/threads/\(thread)", token: user.access).status == .notFound)
            let agents = try await client.call(.get, "/api/agents", token: user.access)
            let names = try JSONSerialization.jsonObject(with: Data(buffer: agents.body)) as? [[String: Any]] ?? []
            #expect(Set(names.compactMap { $0["name"] as? String }).isSuperset(of: ["assistant", "supervisor", "triage"]))
        }
    }

    @Test func deadlinesEndRunsAsFailedTimeout() async throws {
        // A whole-run deadline.
        try await TestServer(["agents.offline_chunk_delay_ms": "300", "runs.timeout_seconds": "1"]).run { client, _ in
            let user = try await client.registerUser("deadline@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "a long answer with many many words to stream back slowly")
            let final = try await client.waitForRun(user.access, run, timeout: .seconds(5))
            #expect(final["status"] as? String == "failed")
            #expect((final["error"] as? [String: Any])?["code"] as? String == "timeout")
            #expect(EventOrder.violations(typedEvents(try await client.events(user.access, run))).isEmpty)
        }
        // A per-step deadline inside a pipeline.
        try await TestServer(["agents.offline_chunk_delay_ms": "300", "agents.step_timeout_seconds": "1"]).run { client, _ in
            let user = try await client.registerUser("step@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "Please review the quarterly revenue numbers for the board", agent: "supervisor")
            let final = try await client.waitForRun(user.access, run, timeout: .seconds(10))
            #expect(final["status"] as? String == "failed")
            #expect((final["error"] as? [String: Any])?["code"] as? String == "timeout")
            let events = try await client.events(user.access, run)
            #expect(EventOrder.violations(typedEvents(events)).isEmpty)
            let failedStep = events.first { $0["type"] as? String == "agent_completed" && ($0["payload"] as? [String: Any])?["status"] as? String == "failed" }
            // Triage answers in one streamed token; the data step streams a sentence and overruns.
            #expect(failedStep?["agent"] as? String == "data")
        }
    }

    @Test func runsLeftOpenByACrashAreClosedOnStart() async throws {
        let server = try TestServer()
        // A run that a killed process left `running`, with an agent and a tool call open.
        let (userID, runID) = try await server.run { client, env in
            let user = try await client.registerUser("crash@example.com")
            let userID = try #require(UserID(user.userID))
            let threadID = ThreadID.generate()
            let runID = RunID.generate()
            let runs = RunRepository(env.store.pool)
            _ = try await runs.create(NewRun(runID: runID, threadID: threadID, userID: userID, agent: "assistant", agentVersion: 0, input: "hi",
                                             messageID: .generate(), createThreadTitle: "t"), now: Date())
            func event(_ seq: Int, _ type: RunEventType, _ agent: String?, _ payload: JSONValue) -> RunEvent {
                RunEvent(runID: runID, threadID: threadID, userID: userID, seq: seq, type: type, agent: agent, payload: payload, at: Date())
            }
            try await runs.write([.started(runID, at: Date()), .event(event(1, .runStatus, nil, ["status": "queued"])),
                                  .event(event(2, .runStatus, nil, ["status": "running"])),
                                  .event(event(3, .agentStarted, "assistant", ["agent": "assistant"]))])
            return (userID, runID)
        }
        try await server.run { client, env in
            let runs = RunRepository(env.store.pool)
            let run = try #require(try await runs.run(id: runID, userID: userID))
            #expect(run.status == .interrupted)
            let events = try #require(try await runs.events(runID: runID, userID: userID, after: 0))
            #expect(events.map(\.type).suffix(2) == [.agentCompleted, .runCompleted])
            #expect(events.last?.payload["status"] == "interrupted")
            #expect(EventOrder.violations(events).isEmpty)
        }
    }

    @Test func gracefulShutdownInterruptsAndAPipelineResumesFromItsFirstUnfinishedStep() async throws {
        let server = try TestServer(["agents.offline_chunk_delay_ms": "40"])
        let (token, runID) = try await server.run { client, env in
            let user = try await client.registerUser("resume@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "Please review the quarterly revenue numbers for the board", agent: "supervisor")
            // Wait until two steps finished, then stop the engine as a graceful shutdown would.
            let deadline = ContinuousClock.now + .seconds(20)
            while try await client.events(user.access, run).filter({ $0["type"] as? String == "agent_completed" }).count < 2 {
                #expect(ContinuousClock.now < deadline)
                try await Task.sleep(for: .milliseconds(20))
            }
            await env.engine.shutdown()
            let final = try await client.waitForRun(user.access, run)
            #expect(final["status"] as? String == "interrupted")
            #expect(EventOrder.violations(typedEvents(try await client.events(user.access, run))).isEmpty)
            return (user.access, run)
        }
        try await server.run { client, _ in
            let resumed = try await client.call(.post, "/api/runs/\(runID)/resume", token: token)
            #expect(resumed.status == .accepted)
            let newRun = try #require(try resumed.json()["id"] as? String)
            #expect(try resumed.json()["resumed_from"] as? String == runID)
            let final = try await client.waitForRun(token, newRun, timeout: .seconds(30))
            #expect(final["status"] as? String == "succeeded")
            let events = try await client.events(token, newRun)
            #expect(EventOrder.violations(typedEvents(events)).isEmpty)
            let started = events.filter { $0["type"] as? String == "agent_started" }.compactMap { $0["agent"] as? String }
            #expect(!started.contains("triage"))
            #expect(!started.contains("data"))
            #expect(started.contains("reporting"))
            #expect(events.filter { ($0["payload"] as? [String: Any])?["code"] as? String == "step_reused" }.count == 2)
            // A finished run cannot be resumed.
            #expect(try await client.call(.post, "/api/runs/\(newRun)/resume", token: token).status == .conflict)
        }
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T: Sendable>(_ transform: @Sendable (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
