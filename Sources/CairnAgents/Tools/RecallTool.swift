import CairnCore
import CairnStore
import Foundation

/// `recall`: lists the caller's notes, optionally those containing a phrase.
public struct RecallTool: Tool {
    public let name = "recall"
    public let description = "Lists notes you asked to remember, optionally only those containing a phrase."
    public let parameters: JSONValue = [
        "type": "object",
        "properties": ["contains": ["type": "string", "maxLength": 200]],
        "additionalProperties": false,
    ]
    public init() {}

    public func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue {
        let notes = try await context.notes.list(userID: context.run.userID, filter: arguments["contains"]?.stringValue, limit: 20)
        return ["notes": .array(notes.map(JSONValue.string))]
    }
}
