import Foundation

/// Thrown instead of calling when a breaker does not permit the call.
public struct BreakerOpenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The breaker's name, e.g. `provider:openai`.
    public let breaker: String
    public let state: BreakerState
    /// When OPEN will let a trial call through (nil when forced open or when HALF_OPEN is full).
    public let nextAttemptAt: Date?

    public var description: String {
        "circuit breaker \(breaker) is \(state.rawValue)"
            + (nextAttemptAt.map { "; next attempt at \(ISO8601DateFormatter().string(from: $0))" } ?? "")
    }
}
