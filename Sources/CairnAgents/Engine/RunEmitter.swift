import CairnCore
import Foundation

/// Numbers, persists and publishes one run's events, and remembers which agents are open so
/// every path (success, failure, cancellation, shutdown) closes them exactly once.
public actor RunEmitter {
    public let runID: RunID
    public let threadID: ThreadID
    public let userID: UserID
    private let writer: EventWriter
    private let bus: EventBus
    private let clock: any WallClock
    private var seq: Int
    private var openAgents: [(name: String, started: ContinuousClock.Instant)] = []
    /// Only set when closing a run a crash left open: live tool calls answer themselves.
    private var openToolCalls: [(agent: String?, tool: String, callID: String)] = []
    private var completed = false

    public init(runID: RunID, threadID: ThreadID, userID: UserID, writer: EventWriter, bus: EventBus, clock: any WallClock, lastSeq: Int = 0) {
        self.runID = runID
        self.threadID = threadID
        self.userID = userID
        self.writer = writer
        self.bus = bus
        self.clock = clock
        self.seq = lastSeq
    }

    /// Commits the event, then publishes it.
    public func emit(_ type: RunEventType, agent: String?, payload: JSONValue) async throws {
        guard !completed else { throw CairnError(.internal, "event after run_completed") }
        let event = make(type, agent: agent, payload: payload)
        try await writer.append(event)
        bus.publish(event)
    }

    public func agentStarted(_ agent: String, parent: String?, step: Int?) async throws {
        var payload: [String: JSONValue] = ["agent": .string(agent)]
        if let parent { payload["parent"] = .string(parent) }
        if let step { payload["step"] = .number(Double(step)) }
        try await emit(.agentStarted, agent: agent, payload: .object(payload))
        openAgents.append((agent, ContinuousClock.now))
    }

    public func agentCompleted(_ agent: String, status: String, output: String?, error: String?) async throws {
        guard let index = openAgents.lastIndex(where: { $0.name == agent }) else { return }
        let started = openAgents.remove(at: index).started
        try await emit(.agentCompleted, agent: agent, payload: Self.completion(agent, status: status, output: output, error: error, since: started))
    }

    /// The run's first event, `run_status queued`, numbered here and written by the caller in
    /// the transaction that creates the run; published once that commits.
    public func openingEvent() -> RunEvent {
        make(.runStatus, agent: nil, payload: ["status": "queued"])
    }

    /// The closing events for an ending run: `agent_completed` for every still-open agent
    /// (innermost first) and the one `run_completed`. Numbered here, written by the caller in
    /// the same transaction as the run's final status and answer.
    public func closingEvents(status: RunStatus, error: (code: String, message: String)?, messageID: MessageID?, usage: (Int, Int)) -> [RunEvent] {
        var events: [RunEvent] = []
        let agentStatus = status == .succeeded ? "succeeded" : status.rawValue
        // A tool call a crash cut off is answered before its agent completes.
        for call in openToolCalls {
            events.append(make(.toolCompleted, agent: call.agent, payload: ["tool": .string(call.tool), "call_id": .string(call.callID), "ok": false,
                                                                          "error": .string(error?.code ?? status.rawValue), "duration_ms": 0]))
        }
        openToolCalls.removeAll()
        for open in openAgents.reversed() {
            events.append(make(.agentCompleted, agent: open.name,
                               payload: Self.completion(open.name, status: agentStatus, output: nil, error: error?.message, since: open.started)))
        }
        openAgents.removeAll()
        var payload: [String: JSONValue] = [
            "status": .string(status.rawValue),
            "usage": ["input_tokens": .number(Double(usage.0)), "output_tokens": .number(Double(usage.1))],
        ]
        if let messageID { payload["message_id"] = .string(messageID.rawValue) }
        if let error { payload["error"] = ["code": .string(error.code), "message": .string(error.message)] }
        events.append(make(.runCompleted, agent: nil, payload: .object(payload)))
        completed = true
        return events
    }

    /// Marks an agent as open without an event: used when closing a run a crash left behind.
    public func reopen(_ agent: String) {
        openAgents.append((agent, ContinuousClock.now))
    }

    /// Marks a tool call as unanswered without an event: used when closing a run a crash left behind.
    public func reopen(toolCall callID: String, tool: String, agent: String?) {
        openToolCalls.append((agent, tool, callID))
    }

    /// Publishes events that were committed by the caller.
    public func publish(_ events: [RunEvent]) {
        for event in events { bus.publish(event) }
    }

    private func make(_ type: RunEventType, agent: String?, payload: JSONValue) -> RunEvent {
        seq += 1
        return RunEvent(runID: runID, threadID: threadID, userID: userID, seq: seq, type: type.rawValue, agent: agent, payload: payload, at: clock.now())
    }

    static func completion(_ agent: String, status: String, output: String?, error: String?, since start: ContinuousClock.Instant) -> JSONValue {
        var payload: [String: JSONValue] = ["agent": .string(agent), "status": .string(status), "duration_ms": .number(Double(milliseconds(since: start)))]
        if let output { payload["output"] = .string(output) }
        if let error { payload["error"] = .string(error) }
        return .object(payload)
    }

    public static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        (ContinuousClock.now - start).wholeMilliseconds
    }
}
