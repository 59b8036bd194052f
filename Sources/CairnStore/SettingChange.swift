import CairnCore
import Foundation
import GRDB

/// One recorded change of a runtime setting. `before`/`after` are the runtime overrides (nil:
/// none, the lower layers decide); the effective values are what was in force.
public struct SettingChange: Sendable, Equatable {
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

    init?(row: Row) {
        guard let id = SettingChangeID(row["id"]) else { return nil }
        self.init(
            id: id, at: Date(millis: row["at"]), actor: row["actor"], actorEmail: row["actor_email"], key: row["key"],
            before: row["before"], after: row["after"], effectiveBefore: row["effective_before"], effectiveAfter: row["effective_after"],
            revertedFrom: (row["reverted_from"] as String?).flatMap(SettingChangeID.init))
    }

    init(
        id: SettingChangeID, at: Date, actor: String?, actorEmail: String?, key: String, before: String?, after: String?,
        effectiveBefore: String, effectiveAfter: String, revertedFrom: SettingChangeID?
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.actorEmail = actorEmail
        self.key = key
        self.before = before
        self.after = after
        self.effectiveBefore = effectiveBefore
        self.effectiveAfter = effectiveAfter
        self.revertedFrom = revertedFrom
    }
}
