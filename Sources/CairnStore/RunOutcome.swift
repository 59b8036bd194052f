import CairnCore
import Foundation
import GRDB

/// How a run ended.
public struct RunOutcome: Sendable {
    public let status: RunStatus
    public let errorCode: String?
    public let errorMessage: String?
    public let inputTokens: Int
    public let outputTokens: Int
    public let assistantMessage: MessageRecord?
    /// Every model call's tokens, stored per call for usage reports.
    public let calls: [ModelCallUsage]

    public init(
        status: RunStatus, errorCode: String? = nil, errorMessage: String? = nil, inputTokens: Int = 0, outputTokens: Int = 0,
        assistantMessage: MessageRecord? = nil, calls: [ModelCallUsage] = []
    ) {
        self.calls = calls
        self.status = status
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.assistantMessage = assistantMessage
    }
}
