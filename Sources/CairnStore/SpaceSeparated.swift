import Foundation
import GRDB

/// A list of words stored as one space-separated text column (`"chat runs:read"`), as the
/// `scopes` columns hold them.
///
/// ```swift
/// struct KeyRow: StoredRecord { @SpaceSeparated var scopes: [String] }   // column "chat runs:read"
/// ```
@propertyWrapper
public struct SpaceSeparated: Codable, Sendable, Equatable, DatabaseValueConvertible {
    public var wrappedValue: [String]

    public init(wrappedValue: [String]) { self.wrappedValue = wrappedValue }

    public var databaseValue: DatabaseValue { wrappedValue.joined(separator: " ").databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> SpaceSeparated? {
        String.fromDatabaseValue(dbValue).map { SpaceSeparated(wrappedValue: $0.split(separator: " ").map(String.init)) }
    }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decode(String.self).split(separator: " ").map(String.init)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.joined(separator: " "))
    }
}
