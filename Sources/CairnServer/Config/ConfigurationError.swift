import CairnCore
import Configuration
import Foundation
import Yams

/// A problem that stops start-up: a bad value or an unreadable file.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }
}
