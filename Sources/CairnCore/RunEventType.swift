import Foundation

/// The type names of run events, exactly as they travel.
public enum RunEventType: String, Sendable, CaseIterable {
    case runStatus = "run_status"
    case agentStarted = "agent_started"
    case agentThinking = "agent_thinking"
    case toolExecuting = "tool_executing"
    case toolCompleted = "tool_completed"
    case messageDelta = "message_delta"
    case notice
    case agentCompleted = "agent_completed"
    case runCompleted = "run_completed"
}
