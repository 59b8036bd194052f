import Foundation
import GRDB

/// A type read from rows by Codable, with Cairn's storage of time: integer milliseconds since
/// 1970. `StoredRecord` adds writing; a type that is only read (a row of a join, or a record
/// whose table has columns the type leaves out) is a `DecodedRecord`.
///
/// ```swift
/// struct Ended: DecodedRecord {
///     var id: RunID
///     var finishedAt: Date
///     enum CodingKeys: String, CodingKey { case id, finishedAt = "finished_at" }
/// }
/// let ended = try Ended.fetchAll(db, sql: "SELECT id, finished_at FROM runs WHERE finished_at IS NOT NULL")
/// ```
public protocol DecodedRecord: Decodable, FetchableRecord, Sendable {}

extension DecodedRecord {
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .millisecondsSince1970 }
}
