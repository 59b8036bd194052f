import CairnCore
import Foundation

/// One write of a run log's group commit (see `RunRepository.write(_:)`).
public enum RunLogWrite: Sendable {
    case event(RunEvent)
    /// The run left the queue and started.
    case started(RunID, at: Date)
    /// A pipeline step's outcome, kept so an interrupted pipeline can resume after it.
    case step(RunStep)
    /// The run's closing events, final status, answer and usage.
    case finish(RunFinish)

    /// The run the write belongs to.
    public var runID: RunID {
        switch self {
        case .event(let event): event.runID
        case .started(let id, _): id
        case .step(let step): step.runID
        case .finish(let finish): finish.runID
        }
    }
}

/// A pipeline step's outcome.
public struct RunStep: Sendable {
    public let runID: RunID
    public let index: Int
    public let agent: String
    public let status: String
    public let output: String?

    public init(runID: RunID, index: Int, agent: String, status: String, output: String?) {
        self.runID = runID
        self.index = index
        self.agent = agent
        self.status = status
        self.output = output
    }
}

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
