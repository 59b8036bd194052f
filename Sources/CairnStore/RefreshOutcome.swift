import CairnCore
import Foundation
import GRDB

/// What presenting a refresh token did.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was current; it is now used and `newJTI` is current.
    case rotated(userID: UserID)
    /// The token had already been rotated away: the session is now revoked.
    case reuseDetected(userID: UserID)
    /// Unknown, revoked or expired session.
    case invalid
}
