import Foundation
import GRDB

/// The tokens of one model call.
public struct ModelCallUsage: Sendable, Equatable {
    public let provider: String, model: String
    public let inputTokens: Int, outputTokens: Int
    public init(provider: String, model: String, inputTokens: Int, outputTokens: Int) {
        self.provider = provider
        self.model = model
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}
