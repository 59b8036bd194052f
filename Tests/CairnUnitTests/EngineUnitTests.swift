@testable import CairnAgents
import CairnCore
import Foundation
import Synchronization
import Testing

@Suite("Scheduler")
struct SchedulerTests {
    let alice = UserID.generate(), bob = UserID.generate(), carol = UserID.generate()

    @Test func perUserAndGlobalLimitsQueueFIFO() {
        var state = SchedulerState(limits: .init(global: 3, perUser: 2, queuePerUser: 3))
        let runs = (0..<5).map { _ in RunID.generate() }
        let admissions = [state.submit(runs[0], user: alice), state.submit(runs[1], user: alice), state.submit(runs[2], user: alice),
                          state.submit(runs[3], user: alice), state.submit(runs[4], user: bob)]
        #expect(admissions == [.start, .start, .queued(position: 1), .queued(position: 2), .start])
        #expect(state.runningCount == 3)
        // Global limit reached: Bob's next run waits too.
        let bobQueued = state.submit(RunID.generate(), user: bob)
        #expect(bobQueued == .queued(position: 1))
        // Alice finishes one: her queue is FIFO.
        let started = state.finished(user: alice)
        #expect(started.map(\.0) == [runs[2]])
    }

    @Test func queueBoundRejects() {
        var state = SchedulerState(limits: .init(global: 10, perUser: 1, queuePerUser: 2))
        let admissions = (0..<4).map { _ in state.submit(RunID.generate(), user: alice) }
        #expect(admissions == [.start, .queued(position: 1), .queued(position: 2), .rejected])
        // Another user is unaffected.
        let other = state.submit(RunID.generate(), user: bob)
        #expect(other == .start)
    }

    @Test func freedSlotsAreSharedFairlyAcrossUsers() {
        var state = SchedulerState(limits: .init(global: 1, perUser: 5, queuePerUser: 10))
        let first = state.submit(RunID.generate(), user: alice)
        #expect(first == .start)
        let aliceRuns = (0..<3).map { _ in RunID.generate() }
        let bobRuns = (0..<3).map { _ in RunID.generate() }
        let carolRun = RunID.generate()
        for run in aliceRuns { _ = state.submit(run, user: alice) }
        for run in bobRuns { _ = state.submit(run, user: bob) }
        _ = state.submit(carolRun, user: carol)
        var order: [UserID] = []
        var owner = alice
        for _ in 0..<7 {
            let next = state.finished(user: owner)
            #expect(next.count == 1)
            owner = next[0].1
            order.append(owner)
        }
        // Round robin: nobody waits behind all of another user's queue.
        #expect(order == [alice, bob, carol, alice, bob, alice, bob])
        #expect(state.queuedCount == 0)
    }

    @Test func removingAQueuedRun() {
        var state = SchedulerState(limits: .init(global: 1, perUser: 1, queuePerUser: 5))
        _ = state.submit(RunID.generate(), user: alice)
        let queued = RunID.generate()
        _ = state.submit(queued, user: alice)
        #expect(state.position(of: queued, user: alice) == 1)
        let removed = state.removeQueued(queued, user: alice)
        let removedAgain = state.removeQueued(queued, user: alice)
        let next = state.finished(user: alice)
        #expect(removed)
        #expect(!removedAgain)
        #expect(next.isEmpty)
        #expect(state.runningCount == 0)
    }
}

@Suite("Tool arguments and the calculator")
struct ToolUnitTests {
    let schema = CalculatorTool().parameters

    @Test func schemaValidation() {
        #expect(SchemaValidator.problems(["expression": "1+1"], against: schema).isEmpty)
        #expect(SchemaValidator.problems([:], against: schema) == ["arguments.expression is required"])
        #expect(SchemaValidator.problems(["expression": 5], against: schema) == ["arguments.expression must be of type string"])
        #expect(SchemaValidator.problems(["expression": "1", "extra": true], against: schema) == ["arguments.extra is not allowed"])
        #expect(SchemaValidator.problems(["expression": ""], against: schema) == ["arguments.expression must have at least 1 characters"])
        #expect(SchemaValidator.problems("not an object", against: schema) == ["arguments must be of type object"])
        let search = SearchMessagesTool().parameters
        #expect(SchemaValidator.problems(["query": "x", "limit": 2.5], against: search) == ["arguments.limit must be of type integer"])
        #expect(SchemaValidator.problems(["query": "x", "limit": 99], against: search) == ["arguments.limit must be at most 20.0"])
    }

    @Test(arguments: [("1+2*3", 7.0), ("(1+2)*3", 9.0), ("2^10", 1024.0), ("-3 + +4", 1.0), ("10 % 4", 2.0), ("sqrt(16) + abs(-2)", 6.0),
                      ("1.5e3 / 3", 500.0), ("2 ^ 3 ^ 2", 512.0), ("7 × 6", 42.0), ("-(-(-1))", -1.0)])
    func evaluates(expression: String, expected: Double) throws {
        #expect(try Calculator.evaluate(expression) == expected)
    }

    @Test(arguments: ["", "1 +", "(1+2", "1+2)", "1/0", "5 % 0", "import os", "__import__('os').system('ls')", "1; drop table",
                      "eval(1)", "sqrt(-1)", "9^9^9^9", "1e999", "1..2", "\u{0}", String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500),
                      String(repeating: "-", count: 900) + "1", String(repeating: "1+", count: 600) + "1"])
    func rejectsHostileInput(expression: String) {
        #expect(throws: Calculator.Failure.self) { try Calculator.evaluate(expression) }
    }
}

@Suite("Event order and the offline model")
struct EventOrderTests {
    let run = RunID.generate(), thread = ThreadID.generate(), user = UserID.generate()

    func event(_ seq: Int, _ type: RunEventType, _ agent: String? = nil, _ payload: JSONValue = [:]) -> RunEvent {
        RunEvent(runID: run, threadID: thread, userID: user, seq: seq, type: type, agent: agent, payload: payload, at: Date())
    }

    @Test func acceptsAWellFormedNestedRun() {
        let events = [
            event(1, .runStatus), event(2, .agentStarted, "supervisor"), event(3, .agentStarted, "triage"), event(4, .agentThinking, "triage"),
            event(5, .toolExecuting, "triage", ["call_id": "c1"]), event(6, .toolCompleted, "triage", ["call_id": "c1"]),
            event(7, .agentCompleted, "triage"), event(8, .messageDelta, "supervisor"), event(9, .agentCompleted, "supervisor"), event(10, .runCompleted),
        ]
        #expect(EventOrder.violations(events).isEmpty)
    }

    @Test func findsEveryKindOfViolation() {
        #expect(!EventOrder.violations([event(1, .runStatus)]).isEmpty)
        #expect(!EventOrder.violations([event(1, .agentStarted, "a"), event(2, .runCompleted)]).isEmpty)
        #expect(!EventOrder.violations([event(1, .runCompleted), event(2, .runCompleted)]).isEmpty)
        #expect(!EventOrder.violations([event(2, .runCompleted)]).isEmpty)
        #expect(!EventOrder.violations([event(1, .agentStarted, "a"), event(2, .agentStarted, "b"), event(3, .agentCompleted, "a"),
                                        event(4, .agentCompleted, "b"), event(5, .runCompleted)]).isEmpty)
        #expect(!EventOrder.violations([event(1, .agentStarted, "a"), event(2, .toolExecuting, "a", ["call_id": "x"]),
                                        event(3, .agentCompleted, "a"), event(4, .runCompleted)]).isEmpty)
    }

    @Test func offlineModelPicksToolsByIntentAndSaysWhatItIs() {
        let tools = Set(BuiltinTools.all.map(\.name))
        #expect(OfflineProvider.intent("what is 12 * (3 + 4)?", tools: tools, index: 1)?.name == "calculator")
        #expect(OfflineProvider.intent("What time is it now in Europe/Paris?", tools: tools, index: 1)?.arguments == #"{"timezone":"Europe/Paris"}"#)
        #expect(OfflineProvider.intent("Remember that my cat is Miso", tools: tools, index: 1)?.arguments == #"{"note":"my cat is Miso"}"#)
        #expect(OfflineProvider.intent("what did I say about invoices?", tools: tools, index: 1)?.arguments == #"{"query":"invoices"}"#)
        #expect(OfflineProvider.intent("hello there", tools: tools, index: 1) == nil)
        // Without the tool, no call.
        #expect(OfflineProvider.intent("what is 1+1", tools: [], index: 1) == nil)
        let reply = OfflineProvider.reply(to: ProviderRequest(model: nil, messages: [ChatMessage(role: .user, content: "hi")], tools: [], temperature: nil))
        #expect(reply.text.hasPrefix("[cairn-offline]"))
        #expect(reply.text.contains("offline model"))
    }

    @Test func triageSkipsStepsForShortRequests() throws {
        let short = try JSONValue.parse(OfflineProvider.stepSummary(step: "triage", input: "Request: hello"))
        #expect(short["skip"] == ["optimization", "actions"])
        let long = try JSONValue.parse(OfflineProvider.stepSummary(step: "triage", input: "Request: please review the quarterly revenue report"))
        #expect(long["skip"] == [])
        let data = try JSONValue.parse(OfflineProvider.stepSummary(step: "data", input: "Request: x y z w\n\nPrevious steps:\n- triage: {}"))
        #expect(data["previous_steps"] == 1)
    }
}

@Suite("Event bus")
struct EventBusTests {
    let run = RunID.generate(), thread = ThreadID.generate()

    func event(_ user: UserID, _ seq: Int) -> RunEvent {
        RunEvent(runID: run, threadID: thread, userID: user, seq: seq,
                 type: .notice, agent: nil, payload: [:], at: Date())
    }

    @Test func aSubscriberThatFallsBehindIsDroppedInsteadOfSilentlyMissingEvents() async {
        let bus = EventBus()
        let alice = UserID.generate(), bob = UserID.generate()
        let slow = bus.subscribe(userID: alice, buffer: 2)
        let other = bus.subscribe(userID: bob, buffer: 2)
        for seq in 1...3 { bus.publish(event(alice, seq)) }
        // The third event overflowed the buffer: the stream ends after what it holds, so the
        // reader knows to catch up from the log.
        var received: [Int] = []
        for await event in slow.events { received.append(event.seq) }
        #expect(received == [2, 3])
        #expect(bus.subscriberCount == 1, "only Bob's subscription is left")
        bus.publish(event(bob, 1))
        var iterator = other.events.makeAsyncIterator()
        #expect(await iterator.next()?.seq == 1)
    }
}

@Suite("Deadline watch")
struct DeadlineWatchTests {
    final class Fired: Sendable {
        let names = Mutex<[String]>([])
        func add(_ name: String) { names.withLock { $0.append(name) } }
    }

    /// A deadline fires once, a removed one never does, and nothing is pending afterwards.
    @Test func deadlinesFireOnceUnlessRemoved() async throws {
        let watch = DeadlineWatch()
        let fired = Fired()
        _ = watch.add(until: .now + .milliseconds(50)) { fired.add("due") }
        let removed = watch.add(until: .now + .milliseconds(50)) { fired.add("removed") }
        _ = watch.add(until: .now + .seconds(3600)) { fired.add("later") }
        watch.remove(removed)
        // Waits for the first expiry (however busy the machine), then a few ticks more.
        let deadline = ContinuousClock.now + .seconds(30)
        while fired.names.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: DeadlineWatch.tick * 3)
        #expect(fired.names.withLock { $0 } == ["due"])
        #expect(watch.pending == 1, "the hour-long deadline is still watched")
    }
}
