import CairnCore
import Foundation

/// A pipeline step's outcome.
public struct RunStep: Sendable {
    public let runID: RunID
    public let index: Int
    public let agent: String
    public let status: RunStatus
    public let output: String?

    public init(runID: RunID, index: Int, agent: String, status: RunStatus, output: String?) {
        self.runID = runID
        self.index = index
        self.agent = agent
        self.status = status
        self.output = output
    }
}
