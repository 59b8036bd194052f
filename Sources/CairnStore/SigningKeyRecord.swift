import Foundation
import GRDB

/// A token signing key as stored: the private key never leaves the database file.
public struct SigningKeyRecord: Sendable, Equatable {
    public let kid: String
    public let algorithm: String
    public let privateKey: Data
    public let createdAt: Date
    public let retiredAt: Date?

    public init(kid: String, algorithm: String, privateKey: Data, createdAt: Date, retiredAt: Date? = nil) {
        self.kid = kid
        self.algorithm = algorithm
        self.privateKey = privateKey
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }
}
