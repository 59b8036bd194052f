import CairnCore
import Foundation
import GRDB

/// The state a bearer token's session, user and token id are in, read in one query.
public struct AccessState: Sendable, Equatable {
    public let role: Role
    public let userActive: Bool
    public let sessionLive: Bool
    public let tokenRevoked: Bool
}
