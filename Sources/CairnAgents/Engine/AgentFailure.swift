import CairnCore
import CairnStore
import Foundation
import Synchronization

/// A failure that ends an agent (and, unless a pipeline tolerates it, the run) with a code.
public struct AgentFailure: Error, Sendable, Equatable {
    public let code: String
    public let message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
