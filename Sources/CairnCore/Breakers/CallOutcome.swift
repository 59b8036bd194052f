import Foundation

/// How a finished call is counted.
public enum CallOutcome: Sendable, Equatable {
    case success
    /// A failure that says the dependency is unhealthy (timeouts, connection errors, 5xx).
    case failure
    /// Neither: the caller's own mistake (4xx) or a cancellation. Frees a trial slot, counts nothing.
    case ignored
}
