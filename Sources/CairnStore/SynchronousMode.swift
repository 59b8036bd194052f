import CairnCore
import Foundation
import GRDB

/// Durability level for SQLite's `synchronous` pragma.
public enum SynchronousMode: String, Sendable, CaseIterable {
    case normal, full
}
