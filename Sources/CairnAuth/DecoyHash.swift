import CairnCore
import CairnStore
import Foundation
import Logging

/// Computes one throwaway bcrypt hash on first use and keeps it.
actor DecoyHash {
    let hasher: PasswordHasher
    var cached: String?

    init(hasher: PasswordHasher) { self.hasher = hasher }

    func value() async throws -> String {
        if let cached { return cached }
        let hash = try await hasher.hash(Base64URL.random(bytes: 16))
        cached = hash
        return hash
    }
}
