import CairnCore
import CairnStore
import Foundation
import Synchronization

/// Numbers one run's events and hands them to the run log, and remembers which agents and
/// tool calls are open so every path (success, failure, cancellation, shutdown) closes them
/// exactly once. Emitting never waits for the disk (see `RunLog`).
///
/// ```swift
/// let log = RunLog(runs: RunRepository(store.pool), logger: logger)
/// let emitter = RunEmitter(runID: run.id, threadID: run.threadID, userID: run.userID, log: log, clock: SystemClock())
/// try await emitter.agentStarted("assistant", parent: nil, step: nil)
/// try await emitter.emit(.messageDelta, agent: "assistant", payload: ["text": "Hello"])
/// let closing = emitter.closingEvents(status: .succeeded, error: nil, messageID: nil, usage: (0, 0))
/// try await log.finish(RunFinish(runID: run.id, userID: run.userID, outcome: outcome, closingEvents: closing, at: Date()))
/// ```
public final class RunEmitter: Sendable {
    public let runID: RunID
    public let threadID: ThreadID
    public let userID: UserID
    private let log: RunLog
    private let clock: any WallClock
    private struct State {
        var seq: Int
        var openAgents: [(name: String, started: ContinuousClock.Instant)] = []
        /// Only set when closing a run a crash left open: live tool calls answer themselves.
        var openToolCalls: [(agent: String?, tool: String, callID: String)] = []
        var completed = false
    }
    private let state: Mutex<State>

    public init(runID: RunID, threadID: ThreadID, userID: UserID, log: RunLog, clock: any WallClock, lastSeq: Int = 0) {
        self.runID = runID
        self.threadID = threadID
        self.userID = userID
        self.log = log
        self.clock = clock
        state = Mutex(State(seq: lastSeq))
    }

    /// Numbers the event and queues it in the run log; followers see it once it is durable.
    public func emit(_ type: RunEventType, agent: String?, payload: JSONValue) async throws {
        try await emit(type, agent: agent, payload: payload) { _ in }
    }

    /// Numbering and queueing happen under one lock, so a run's events enter the log in `seq`
    /// order even when two of its tasks emit at once; `update` changes the open work with them.
    private func emit(_ type: RunEventType, agent: String?, payload: JSONValue, update: (inout State) -> Void) async throws {
        let crowded = try state.withLock { state -> Bool in
            guard !state.completed else { throw CairnError(.internal, "event after run_completed") }
            update(&state)
            return try log.enqueue(.event(make(type, agent: agent, payload: payload, state: &state)))
        }
        if crowded { await log.waitForRoom() }
    }

    public func agentStarted(_ agent: String, parent: String?, step: Int?) async throws {
        var payload: [String: JSONValue] = ["agent": .string(agent)]
        if let parent { payload["parent"] = .string(parent) }
        if let step { payload["step"] = .number(Double(step)) }
        try await emit(.agentStarted, agent: agent, payload: .object(payload)) { $0.openAgents.append((agent, ContinuousClock.now)) }
    }

    public func agentCompleted(_ agent: String, status: RunStatus, output: String?, error: String?) async throws {
        let open = state.withLock { state -> ContinuousClock.Instant? in
            guard let index = state.openAgents.lastIndex(where: { $0.name == agent }) else { return nil }
            return state.openAgents.remove(at: index).started
        }
        guard let started = open else { return }
        try await emit(.agentCompleted, agent: agent, payload: Self.completion(agent, status: status, output: output, error: error, since: started))
    }

    /// The run's first event, `run_status queued`, numbered here and written by the caller in
    /// the transaction that creates the run; published once that commits.
    public func openingEvent() -> RunEvent {
        state.withLock { make(.runStatus, agent: nil, payload: ["status": "queued"], state: &$0) }
    }

    /// The closing events for an ending run: `agent_completed` for every still-open agent
    /// (innermost first) and the one `run_completed`. Numbered here, written by the caller in
    /// the same transaction as the run's final status and answer.
    public func closingEvents(status: RunStatus, error: (code: String, message: String)?, messageID: MessageID?, usage: (Int, Int)) -> [RunEvent] {
        state.withLock { state in closingEvents(status: status, error: error, messageID: messageID, usage: usage, state: &state) }
    }

    private func closingEvents(
        status: RunStatus, error: (code: String, message: String)?, messageID: MessageID?, usage: (Int, Int),
        state: inout State
    ) -> [RunEvent] {
        var events: [RunEvent] = []
        // A tool call a crash cut off is answered before its agent completes.
        for call in state.openToolCalls {
            events.append(
                make(
                    .toolCompleted, agent: call.agent,
                    payload: [
                        "tool": .string(call.tool), "call_id": .string(call.callID), "ok": false,
                        "error": .string(error?.code ?? status.rawValue), "duration_ms": 0,
                    ], state: &state))
        }
        state.openToolCalls.removeAll()
        for open in state.openAgents.reversed() {
            events.append(
                make(
                    .agentCompleted, agent: open.name,
                    payload: Self.completion(open.name, status: status, output: nil, error: error?.message, since: open.started), state: &state))
        }
        state.openAgents.removeAll()
        var payload: [String: JSONValue] = [
            "status": .string(status.rawValue),
            "usage": ["input_tokens": .number(Double(usage.0)), "output_tokens": .number(Double(usage.1))],
        ]
        if let messageID { payload["message_id"] = .string(messageID.rawValue) }
        if let error { payload["error"] = ["code": .string(error.code), "message": .string(error.message)] }
        events.append(make(.runCompleted, agent: nil, payload: .object(payload), state: &state))
        state.completed = true
        return events
    }

    /// Marks an agent as open without an event: used when closing a run a crash left behind.
    public func reopen(_ agent: String) {
        state.withLock { $0.openAgents.append((agent, ContinuousClock.now)) }
    }

    /// Marks a tool call as unanswered without an event: used when closing a run a crash left behind.
    public func reopen(toolCall callID: String, tool: String, agent: String?) {
        state.withLock { $0.openToolCalls.append((agent, tool, callID)) }
    }

    private func make(_ type: RunEventType, agent: String?, payload: JSONValue, state: inout State) -> RunEvent {
        state.seq += 1
        return RunEvent(runID: runID, threadID: threadID, userID: userID, seq: state.seq, type: type, agent: agent, payload: payload, at: clock.now())
    }

    static func completion(_ agent: String, status: RunStatus, output: String?, error: String?, since start: ContinuousClock.Instant) -> JSONValue {
        var payload: [String: JSONValue] = [
            "agent": .string(agent), "status": .string(status.rawValue), "duration_ms": .number(Double(milliseconds(since: start))),
        ]
        if let output { payload["output"] = .string(output) }
        if let error { payload["error"] = .string(error) }
        return .object(payload)
    }

    public static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        (ContinuousClock.now - start).wholeMilliseconds
    }
}
