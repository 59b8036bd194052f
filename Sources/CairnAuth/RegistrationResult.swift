import CairnCore
import CairnStore
import Foundation
import Logging

/// What registration produced.
public enum RegistrationResult: Sendable {
    case active(AuthSuccess)
    /// Registration needs approval: the account exists but cannot sign in yet.
    case pending(UserRecord)
}
