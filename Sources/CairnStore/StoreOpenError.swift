import CairnCore
import Foundation
import GRDB

/// Why the database could not be opened; every case carries a human sentence.
public struct StoreOpenError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
