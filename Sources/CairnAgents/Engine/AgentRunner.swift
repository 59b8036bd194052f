import CairnCore
import CairnStore
import Foundation
import Synchronization

/// Executes one agent (chat tool loop or pipeline) inside a run, emitting its events.
struct AgentRunner: Sendable {
    let registry: AgentRegistry
    let caller: ProviderCaller
    let dispatcher: ToolDispatcher
    let emitter: RunEmitter
    let toolContext: ToolContext
    let log: RunLog
    let stepTimeout: Duration
    let streamed: StreamedText

    /// Runs `agent` on `input` with earlier thread messages as context; returns its output.
    /// `streams` sends the output as `message_delta` events (the top-level answer only).
    func run(
        _ agent: AgentDefinition, input: String, history: [ChatMessage], parent: String?, step: Int?, streams: Bool,
        resumeFrom: [Int: (agent: String, status: RunStatus, output: String?)] = [:]
    ) async throws -> String {
        try await emitter.agentStarted(agent.name, parent: parent, step: step)
        let output: String
        switch agent.kind {
        case .chat: output = try await chat(agent, input: input, history: history, streams: streams)
        case .pipeline: output = try await pipeline(agent, input: input, streams: streams, resumeFrom: resumeFrom)
        }
        try await emitter.agentCompleted(agent.name, status: .succeeded, output: output, error: nil)
        return output
    }

    func chat(_ agent: AgentDefinition, input: String, history: [ChatMessage], streams: Bool) async throws -> String {
        let toolNames = agent.tools ?? []
        var messages: [ChatMessage] = []
        if let system = agent.systemPrompt { messages.append(ChatMessage(role: .system, content: system)) }
        messages += history
        messages.append(ChatMessage(role: .user, content: input))
        let maxSteps = agent.maxSteps ?? 6
        for iteration in 1...maxSteps {
            try await emitter.emit(
                .agentThinking, agent: agent.name,
                payload: [
                    "text": .string(iteration == 1 ? "Reading the request" : "Reading tool results"),
                    "progress": .number(Double(iteration - 1) / Double(maxSteps)),
                ])
            let request = ProviderRequest(
                model: agent.model, messages: messages, tools: dispatcher.specs(named: toolNames), temperature: agent.temperature)
            let turn = try await caller.turn(request, providers: agent.provider ?? ["offline"], agent: agent.name) { delta in
                guard streams else { return }
                streamed.append(delta)
                try await emitter.emit(.messageDelta, agent: agent.name, payload: ["text": .string(delta)])
            }
            try Task.checkCancellation()
            if turn.calls.isEmpty { return turn.text }
            messages.append(ChatMessage(role: .assistant, content: turn.text, toolCalls: turn.calls))
            for call in turn.calls {
                let outcome = try await dispatcher.execute(call, allowed: Set(toolNames), context: toolContext, emitter: emitter, agent: agent.name)
                messages.append(ChatMessage(role: .tool, content: outcome.messageContent, toolCallID: call.id))
            }
        }
        throw AgentFailure(code: "max_steps", message: "\(agent.name) did not finish within \(maxSteps) steps")
    }

    func pipeline(_ agent: AgentDefinition, input: String, streams: Bool, resumeFrom: [Int: (agent: String, status: RunStatus, output: String?)])
        async throws -> String
    {
        var outputs: [(String, String)] = []
        var skip: Set<String> = []
        var finalOutput = ""
        for (index, step) in (agent.steps ?? []).enumerated() {
            if let done = resumeFrom[index], done.status == .succeeded, let output = done.output {
                outputs.append((done.agent, output))
                try await emitter.emit(
                    .notice, agent: agent.name,
                    payload: ["code": "step_reused", "message": .string("step \(index) (\(done.agent)) finished in the interrupted run")])
                continue
            }
            if skip.contains(step.agent) {
                try await emitter.emit(
                    .notice, agent: agent.name, payload: ["code": "step_skipped", "message": .string("\(step.agent) skipped by triage")])
                continue
            }
            guard let definition = registry.definition(step.agent) else {
                throw AgentFailure(code: "unknown_agent", message: "pipeline step '\(step.agent)' does not exist")
            }
            let stepInput = "Request: \(input)" + (outputs.isEmpty ? "" : "\n\nPrevious steps:" + outputs.map { "\n- \($0.0): \($0.1)" }.joined())
            let isLast = index == (agent.steps?.count ?? 0) - 1
            do {
                let output = try await withStepTimeout {
                    try await run(definition, input: stepInput, history: [], parent: agent.name, step: index, streams: streams && isLast)
                }
                try await log.step(RunStep(runID: toolContext.run.runID, index: index, agent: step.agent, status: .succeeded, output: output))
                outputs.append((step.agent, output))
                finalOutput = output
                if index == 0, let requested = (try? JSONValue.parse(output))?["skip"]?.arrayValue?.compactMap(\.stringValue) {
                    skip = Set(requested)
                }
            } catch let failure as AgentFailure {
                try await emitter.agentCompleted(step.agent, status: .failed, output: nil, error: failure.message)
                try await log.step(RunStep(runID: toolContext.run.runID, index: index, agent: step.agent, status: .failed, output: nil))
                guard step.continueOnError == true else { throw failure }
                try await emitter.emit(
                    .notice, agent: agent.name,
                    payload: ["code": "step_failed", "message": .string("\(step.agent) failed (\(failure.code)); continuing")])
            }
        }
        if finalOutput.isEmpty, let last = outputs.last { finalOutput = last.1 }
        return finalOutput
    }

    /// Runs one step with its own deadline; a timeout is the step's failure, not a cancellation.
    func withStepTimeout(_ body: @escaping @Sendable () async throws -> String) async throws -> String {
        let timeout = stepTimeout
        return try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let output = first else {
                throw AgentFailure(code: "timeout", message: "step exceeded \(timeout)")
            }
            return output
        }
    }
}
