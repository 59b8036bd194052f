import CairnCore
import Foundation

/// What a tool call produced, as the model sees it.
public struct ToolOutcome: Sendable, Equatable {
    public let ok: Bool
    public let result: JSONValue?
    public let error: String?

    /// The content of the `tool` message handed back to the model.
    public var messageContent: String {
        ok ? (result ?? .null).jsonText : (["error": .string(error ?? "failed")] as JSONValue).jsonText
    }
}
