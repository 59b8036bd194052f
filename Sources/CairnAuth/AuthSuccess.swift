import CairnCore
import CairnStore
import Foundation
import Logging

/// A signed-in user and their tokens.
public struct AuthSuccess: Sendable {
    public let user: UserRecord
    public let tokens: TokenPair
}
