import CairnCore
import CairnStore
import Foundation

/// `remember`: stores a note for the caller.
public struct RememberTool: Tool {
    public let name = "remember"
    public let description = "Stores a short note for later recall."
    public let parameters: JSONValue = [
        "type": "object",
        "properties": ["note": ["type": "string", "minLength": 1, "maxLength": 2000]],
        "required": ["note"],
        "additionalProperties": false,
    ]
    public init() {}

    public func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue {
        let note = arguments["note"]?.stringValue ?? ""
        try await context.notes.add(userID: context.run.userID, content: note, now: context.now())
        return ["stored": .string(note)]
    }
}
