import CairnCore
import CairnStore
import Foundation
import JWTKit

/// Which of the two token kinds a JWT is; one is never accepted as the other.
public enum TokenType: String, Sendable, Codable {
    case access, refresh
}
