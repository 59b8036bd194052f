import CairnCore
import CairnStore
import Foundation

/// `current_time`: the time now in a named time zone.
public struct CurrentTimeTool: Tool {
    public let name = "current_time"
    public let description = "Returns the current date and time in an IANA time zone (default UTC)."
    public let parameters: JSONValue = [
        "type": "object",
        "properties": ["timezone": ["type": "string", "minLength": 1, "maxLength": 64]],
        "additionalProperties": false,
    ]
    public init() {}

    public func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue {
        let identifier = arguments["timezone"]?.stringValue ?? "UTC"
        guard let zone = TimeZone(identifier: identifier) else { throw ToolFailure("unknown time zone '\(identifier)'") }
        let now = context.now()
        let style = Date.ISO8601FormatStyle(timeZone: zone)
        return ["timezone": .string(zone.identifier), "iso8601": .string(now.formatted(style)),
                "utc_offset_seconds": .number(Double(zone.secondsFromGMT(for: now)))]
    }
}

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
        let found = try await context.conversations.search(userID: context.run.userID, query: query, limit: limit + 1)
            .filter { $0.runID != context.run.runID }.prefix(limit)
        return ["matches": .array(found.map { ["role": .string($0.role), "content": .string(String($0.content.prefix(500))),
                                                "thread_id": .string($0.threadID.rawValue)] })]
    }
}

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
        try await context.notes.add(userID: context.run.userID.rawValue, content: note, now: context.now())
        return ["stored": .string(note)]
    }
}

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
        let notes = try await context.notes.list(userID: context.run.userID.rawValue, filter: arguments["contains"]?.stringValue, limit: 20)
        return ["notes": .array(notes.map(JSONValue.string))]
    }
}

/// The tools every deployment has (`http_get` refuses to run until an admin enables it).
public enum BuiltinTools {
    public static let all: [any Tool] = [CalculatorTool(), CurrentTimeTool(), SearchMessagesTool(), RememberTool(), RecallTool(), HTTPGetTool()]
}
