import CairnCore
import CairnStore
import Foundation

/// A tool's own failure, shown to the model as the tool result's error.
public struct ToolFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
