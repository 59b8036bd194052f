import CairnCore
import CairnStore
import Foundation
import JWTKit

/// A token whose signature and claims have been checked.
public struct VerifiedToken: Sendable, Equatable {
    public let type: TokenType
    public let userID: UserID
    public let sessionID: SessionID
    public let jti: String
    public let role: String
    public let expiresAt: Date
}
