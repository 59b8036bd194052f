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

/// A persisted run event: one envelope shape for the log, SSE and WebSocket alike.
public struct RunEvent: Sendable, Equatable {
    public let runID: RunID
    public let threadID: ThreadID
    /// The owner; used for routing on the bus, never serialized.
    public let userID: UserID
    public let seq: Int
    public let type: String
    public let agent: String?
    public let payload: JSONValue
    public let at: Date

    public init(runID: RunID, threadID: ThreadID, userID: UserID, seq: Int, type: String, agent: String?, payload: JSONValue, at: Date) {
        self.runID = runID
        self.threadID = threadID
        self.userID = userID
        self.seq = seq
        self.type = type
        self.agent = agent
        self.payload = payload
        self.at = at
    }
}

/// Where a run is in its life.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled, interrupted

    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        default: true
        }
    }
}
