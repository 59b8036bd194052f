/// A user's role: what the account may do (`admin` reaches the console and `/api/admin`).
public enum Role: String, Sendable, Codable, Equatable {
    case admin, user
}
