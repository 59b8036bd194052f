import CairnCore

/// How a request proved who it is.
public enum AuthMethod: String, Sendable, Codable, Equatable {
    case accessToken = "access_token"
    case apiKey = "api_key"
}
