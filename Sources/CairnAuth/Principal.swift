import CairnCore

/// A user's role.
public enum Role: String, Sendable, Codable, Equatable {
    case admin, user
}

/// How a request proved who it is.
public enum AuthMethod: String, Sendable, Codable, Equatable {
    case accessToken = "access_token"
    case apiKey = "api_key"
}

/// The authenticated caller of one request. Built only by `AuthService.authenticate`.
public struct Principal: Sendable, Equatable {
    public let userID: UserID
    public let sessionID: SessionID?
    public let role: Role
    public let authMethod: AuthMethod
    /// The access token's id, needed to denylist it at logout.
    public let tokenID: String?
    public let tokenExpiresAt: Double?

    public init(userID: UserID, sessionID: SessionID?, role: Role, authMethod: AuthMethod, tokenID: String? = nil, tokenExpiresAt: Double? = nil) {
        self.userID = userID
        self.sessionID = sessionID
        self.role = role
        self.authMethod = authMethod
        self.tokenID = tokenID
        self.tokenExpiresAt = tokenExpiresAt
    }

    public var isAdmin: Bool { role == .admin }
}
