import CairnCore
import Foundation
import GRDB

/// Filters for reading the audit log, newest first.
public struct AuditQuery: Sendable {
    public var actor: String?
    public var action: String?
    public var target: String?
    public var since: Date?
    public var until: Date?
    public var before: AuditID?
    public var limit: Int

    public init(
        actor: String? = nil, action: String? = nil, target: String? = nil, since: Date? = nil, until: Date? = nil,
        before: AuditID? = nil, limit: Int = 50
    ) {
        self.actor = actor
        self.action = action
        self.target = target
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}
