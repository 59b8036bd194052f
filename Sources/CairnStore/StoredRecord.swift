import CairnCore
import Foundation
import GRDB

/// A row type of the database file, decoded and encoded by Codable: the GRDB record idiom with
/// Cairn's one storage rule for time. Every timestamp is an integer of milliseconds since 1970,
/// rounded as `Date.millis` rounds, so a record written here and read back compares equal.
///
/// A conforming type names its table and maps properties to columns with its `CodingKeys`;
/// a malformed value in a row (an id of the wrong kind, an unknown status) throws a decoding
/// error instead of trapping.
///
/// ```swift
/// struct NoteRow: StoredRecord {
///     static let databaseTableName = "notes"
///     var userID: UserID
///     var content: String
///     var createdAt: Date
///     enum CodingKeys: String, CodingKey { case userID = "user_id", content, createdAt = "created_at" }
/// }
/// try NoteRow(userID: user, content: "likes tea", createdAt: Date()).insert(db)
/// let notes = try NoteRow.filter(Column("user_id") == user).fetchAll(db)
/// ```
public protocol StoredRecord: DecodedRecord, Encodable, PersistableRecord {}

extension StoredRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .custom { $0.millis } }
}
