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
        return [
            "timezone": .string(zone.identifier), "iso8601": .string(now.formatted(style)),
            "utc_offset_seconds": .number(Double(zone.secondsFromGMT(for: now))),
        ]
    }
}
