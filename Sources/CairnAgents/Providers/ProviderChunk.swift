import CairnCore

/// A piece of a streamed model answer.
public enum ProviderChunk: Sendable, Equatable {
    case text(String)
    case toolCall(ToolCall)
    case usage(input: Int, output: Int)
}
