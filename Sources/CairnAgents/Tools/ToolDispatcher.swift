import CairnCore
import Foundation

/// Runs tool calls: validates arguments, enforces the timeout, emits `tool_executing` and
/// `tool_completed`, and turns every failure into an `ok: false` result the run survives.
public struct ToolDispatcher: Sendable {
    let tools: [String: any Tool]
    let timeout: Duration

    public init(tools: [any Tool], timeout: Duration) {
        self.tools = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.timeout = timeout
    }

    public func specs(named names: [String]) -> [ToolSpec] {
        names.compactMap { tools[$0] }.map { ToolSpec(name: $0.name, description: $0.description, parameters: $0.parameters) }
    }

    /// Executes one call. Throws only `CancellationError` (after closing the call's events).
    public func execute(_ call: ToolCall, allowed: Set<String>, context: ToolContext, emitter: RunEmitter, agent: String) async throws -> ToolOutcome
    {
        let parsed = try? JSONValue.parse(call.arguments.isEmpty ? "{}" : call.arguments)
        try await emitter.emit(
            .toolExecuting, agent: agent,
            payload: [
                "tool": .string(call.name), "call_id": .string(call.id), "arguments": parsed ?? .string(call.arguments),
            ])
        let start = ContinuousClock.now
        let outcome: ToolOutcome
        do {
            outcome = try await run(call, parsed: parsed, allowed: allowed, context: context)
        } catch is CancellationError {
            try await complete(call, ToolOutcome(ok: false, result: nil, error: "cancelled"), since: start, emitter: emitter, agent: agent)
            throw CancellationError()
        }
        try await complete(call, outcome, since: start, emitter: emitter, agent: agent)
        return outcome
    }

    func run(_ call: ToolCall, parsed: JSONValue?, allowed: Set<String>, context: ToolContext) async throws -> ToolOutcome {
        guard allowed.contains(call.name), let tool = tools[call.name] else {
            return ToolOutcome(ok: false, result: nil, error: "unknown tool '\(call.name)'")
        }
        guard let arguments = parsed?.objectValue else {
            return ToolOutcome(ok: false, result: nil, error: "arguments must be a JSON object")
        }
        let problems = SchemaValidator.problems(.object(arguments), against: tool.parameters)
        if !problems.isEmpty {
            return ToolOutcome(ok: false, result: nil, error: "invalid arguments: " + problems.joined(separator: "; "))
        }
        let timeout = self.timeout
        do {
            let value = try await withThrowingTaskGroup(of: JSONValue?.self) { group in
                group.addTask { try await tool.execute(arguments, context: context) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let value else { return ToolOutcome(ok: false, result: nil, error: "timed out after \(timeout)") }
            return ToolOutcome(ok: true, result: value, error: nil)
        } catch is CancellationError {
            throw CancellationError()
        } catch let failure as ToolFailure {
            return ToolOutcome(ok: false, result: nil, error: failure.description)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            return ToolOutcome(ok: false, result: nil, error: "tool failed")
        }
    }

    func complete(_ call: ToolCall, _ outcome: ToolOutcome, since start: ContinuousClock.Instant, emitter: RunEmitter, agent: String) async throws {
        var payload: [String: JSONValue] = [
            "tool": .string(call.name), "call_id": .string(call.id), "ok": .bool(outcome.ok),
            "duration_ms": .number(Double(RunEmitter.milliseconds(since: start))),
        ]
        if let result = outcome.result { payload["result"] = result }
        if let error = outcome.error { payload["error"] = .string(error) }
        try await emitter.emit(.toolCompleted, agent: agent, payload: .object(payload))
    }
}
