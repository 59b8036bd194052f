import CairnCore

/// A user's role.
public enum Role: String, Sendable, Codable, Equatable {
    case admin, user
}
