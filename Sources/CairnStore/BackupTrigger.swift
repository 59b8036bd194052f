import CairnCore
import Foundation
import GRDB

/// What started a backup.
public enum BackupTrigger: String, Sendable, CaseIterable, Codable, DatabaseValueConvertible {
    case manual, schedule, cli
}
