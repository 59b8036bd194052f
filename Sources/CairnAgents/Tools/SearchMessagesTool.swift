import CairnCore
import CairnStore
import Foundation

/// `search_messages`: full-text search over the caller's own messages.
public struct SearchMessagesTool: Tool {
    public let name = "search_messages"
    public let description = "Searches your earlier messages (full text) and returns the best matches."
    public let parameters: JSONValue = [
        "type": "object",
        "properties": ["query": ["type": "string", "minLength": 1, "maxLength": 500], "limit": ["type": "integer", "minimum": 1, "maximum": 20]],
        "required": ["query"],
        "additionalProperties": false,
    ]
    public init() {}

    public func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue {
        let query = arguments["query"]?.stringValue ?? ""
        let limit = min(20, max(1, arguments["limit"]?.intValue ?? 5))
        let found = try await context.threads.search(userID: context.run.userID, query: query, limit: limit + 1)
            .filter { $0.runID != context.run.runID }.prefix(limit)
        return [
            "matches": .array(
                found.map {
                    [
                        "role": .string($0.role.rawValue), "content": .string(String($0.content.prefix(500))),
                        "thread_id": .string($0.threadID.rawValue),
                    ]
                })
        ]
    }
}
