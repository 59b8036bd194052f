import CairnCore
import CairnStore
import Foundation
import JWTKit

/// An issued token and the facts the caller stores about it.
public struct IssuedToken: Sendable {
    public let token: String
    public let jti: String
    public let expiresAt: Date
}
