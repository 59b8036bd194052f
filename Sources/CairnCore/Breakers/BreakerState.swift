import Foundation

/// The states of a breaker.
public enum BreakerState: String, Sendable, Codable, CaseIterable {
    case closed = "CLOSED"
    case open = "OPEN"
    case halfOpen = "HALF_OPEN"
    case forcedOpen = "FORCED_OPEN"
    case disabled = "DISABLED"
}
