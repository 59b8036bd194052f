import CairnCore
import Foundation
import GRDB

/// One recorded change of a runtime setting. `before`/`after` are the runtime overrides (nil:
/// none, the lower layers decide); the effective values are what was in force.
public struct SettingChange: Sendable, Equatable, DecodedRecord {
    public let id: SettingChangeID
    public let at: Date
    public let actor: String?
    public let actorEmail: String?
    public let key: String
    public let before: String?
    public let after: String?
    public let effectiveBefore: String
    public let effectiveAfter: String
    public let revertedFrom: SettingChangeID?

    enum CodingKeys: String, CodingKey {
        case id, at, actor, key, before, after
        case actorEmail = "actor_email"
        case effectiveBefore = "effective_before"
        case effectiveAfter = "effective_after"
        case revertedFrom = "reverted_from"
    }
}
