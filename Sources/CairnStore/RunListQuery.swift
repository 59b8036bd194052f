import CairnCore
import Foundation

/// Filters of the console's run list (every user's runs), newest first, paged by id.
public struct RunListQuery: Sendable {
    public var statuses: [RunStatus]
    public var userID: UserID?
    public var agent: String?
    public var since: Date?
    public var until: Date?
    public var before: RunID?
    public var limit: Int

    public init(
        statuses: [RunStatus] = [], userID: UserID? = nil, agent: String? = nil, since: Date? = nil, until: Date? = nil,
        before: RunID? = nil, limit: Int = 50
    ) {
        self.statuses = statuses
        self.userID = userID
        self.agent = agent
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}
