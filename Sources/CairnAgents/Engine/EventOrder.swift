import CairnCore

/// The event-order contract of a run, checkable on any stored or streamed sequence: seq 1…n
/// without gaps; agents nest (`agent_started … agent_completed`), each completed exactly once;
/// every `tool_executing` is answered by its `tool_completed` inside the same agent; exactly one
/// `run_completed`, and it is last.
public enum EventOrder {
    public static func violations(_ events: [RunEvent]) -> [String] {
        var problems: [String] = []
        var open: [String] = []
        var pendingTools: [String: String] = [:]
        var completedRun = false
        for (index, event) in events.enumerated() {
            if event.seq != index + 1 { problems.append("seq \(event.seq) at position \(index + 1)") }
            if completedRun { problems.append("\(event.type.rawValue) after run_completed") }
            switch event.type {
            case .agentStarted:
                if let agent = event.agent { open.append(agent) }
            case .agentCompleted:
                guard let agent = event.agent, open.last == agent else {
                    problems.append("agent_completed for \(event.agent ?? "?") while \(open.last ?? "none") is innermost")
                    continue
                }
                if pendingTools.values.contains(agent) { problems.append("\(agent) completed with a tool call still open") }
                open.removeLast()
            case .toolExecuting:
                let call = event.payload["call_id"]?.stringValue ?? ""
                if open.last != event.agent { problems.append("tool_executing outside its agent") }
                pendingTools[call] = event.agent ?? ""
            case .toolCompleted:
                let call = event.payload["call_id"]?.stringValue ?? ""
                if pendingTools.removeValue(forKey: call) == nil { problems.append("tool_completed for unknown call \(call)") }
            case .runCompleted:
                completedRun = true
                if !open.isEmpty { problems.append("run_completed with open agents \(open)") }
            case .agentThinking, .messageDelta:
                if let agent = event.agent, open.last != agent {
                    problems.append("\(event.type.rawValue) from \(agent), which is not the innermost open agent")
                }
            case .runStatus, .notice:
                break
            }
        }
        if !completedRun { problems.append("no run_completed") }
        return problems
    }
}
