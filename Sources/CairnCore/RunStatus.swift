import Foundation

/// Where a run is in its life.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled, interrupted

    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        default: true
        }
    }
}
