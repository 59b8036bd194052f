import CairnCore
import Foundation

/// Everything that ends a run, written in one transaction.
public struct RunFinish: Sendable {
    public let runID: RunID
    public let userID: UserID
    public let outcome: RunOutcome
    public let closingEvents: [RunEvent]
    public let at: Date

    public init(runID: RunID, userID: UserID, outcome: RunOutcome, closingEvents: [RunEvent], at: Date) {
        self.runID = runID
        self.userID = userID
        self.outcome = outcome
        self.closingEvents = closingEvents
        self.at = at
    }
}
