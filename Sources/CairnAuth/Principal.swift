import CairnCore

/// The authenticated caller of one request. Built only by `AuthService.authenticate`.
public struct Principal: Sendable, Equatable {
    public let userID: UserID
    public let sessionID: SessionID?
    public let role: Role
    public let authMethod: AuthMethod
    /// The access token's id, needed to denylist it at logout.
    public let tokenID: String?
    public let tokenExpiresAt: Double?
    /// The API key a request used, with its scopes (nil for access tokens).
    public let apiKeyID: APIKeyID?
    public let scopes: Set<APIKeyScope>

    public init(
        userID: UserID, sessionID: SessionID?, role: Role, authMethod: AuthMethod, tokenID: String? = nil, tokenExpiresAt: Double? = nil,
        apiKeyID: APIKeyID? = nil, scopes: Set<APIKeyScope> = []
    ) {
        self.userID = userID
        self.sessionID = sessionID
        self.role = role
        self.authMethod = authMethod
        self.tokenID = tokenID
        self.tokenExpiresAt = tokenExpiresAt
        self.apiKeyID = apiKeyID
        self.scopes = scopes
    }

    /// An administrator signed in with a token: API keys never reach `/api/admin`.
    public var isAdmin: Bool { role == .admin && authMethod == .accessToken }

    /// Signed in with an API key rather than a session's access token.
    public var isAPIKey: Bool { authMethod == .apiKey }
}
