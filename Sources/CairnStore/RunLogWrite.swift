import CairnCore
import Foundation

/// One write of a run log's group commit (see `RunRepository.write(_:)`).
///
/// ```swift
/// try await runs.write([.started(run.id, at: now), .event(event), .step(step)])   // one transaction
/// ```
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
