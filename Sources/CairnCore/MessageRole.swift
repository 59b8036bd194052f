/// Who wrote a stored message of a thread.
///
/// ```swift
/// MessageRecord(id: .generate(), threadID: thread, role: .user, content: "Hello", runID: run, createdAt: now)
/// ```
public enum MessageRole: String, Sendable, Codable, CaseIterable {
    case user, assistant, tool
}
