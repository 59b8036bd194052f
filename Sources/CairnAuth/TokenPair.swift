import CairnCore
import CairnStore
import Foundation
import Logging

/// Tokens handed to a client after login, registration or refresh.
public struct TokenPair: Sendable {
    public let accessToken: String
    public let refreshToken: String
    public let expiresIn: Int
    public let sessionID: SessionID
}
