import CairnCore
import Foundation
import HTTPTypes
import Hummingbird

/// RFC 3339 UTC with milliseconds, the only timestamp format of the API.
public enum Timestamp {
    public static func format(_ date: Date) -> String { UTCTimestamp.format(date) }

    /// A client's RFC 3339 time (with or without fractional seconds, as the API writes them), or nil.
    ///
    /// ```swift
    /// Timestamp.parse("2026-12-01T20:17:38.069Z")   // a Date
    /// Timestamp.parse("yesterday")                  // nil
    /// ```
    public static func parse(_ raw: some StringProtocol) -> Date? {
        guard raw.utf8.count <= 40 else { return nil }
        let text = String(raw)
        return (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: .iso8601))
    }
}
