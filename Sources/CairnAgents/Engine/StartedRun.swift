import CairnCore
import CairnStore

/// A run just accepted: the run as stored and the user message that started it.
///
/// ```swift
/// let started = try await engine.start(userID: user, threadID: nil, input: "What is 17*23?", agent: nil, requestID: nil)
/// started.run.id; started.messageID
/// ```
public struct StartedRun: Sendable {
    public let run: RunRecord
    public let messageID: MessageID
}
