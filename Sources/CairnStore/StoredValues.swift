import CairnCore
import GRDB

// The vocabulary of CairnCore as it is stored: an identifier is its text, a closed enum its raw
// value. Passed as statement arguments and decoded from rows directly, so a row holding a
// malformed id or an unknown status is a decoding error, never a trap.

extension Identifier: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Identifier? {
        String.fromDatabaseValue(dbValue).flatMap(Identifier.init)
    }
}

extension RunStatus: DatabaseValueConvertible {}
extension RunEventType: DatabaseValueConvertible {}
extension MessageRole: DatabaseValueConvertible {}
extension Role: DatabaseValueConvertible {}
