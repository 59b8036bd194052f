import Foundation
import GRDB

/// A token signing key as stored: the private key never leaves the database file.
public struct SigningKeyRecord: Sendable, Equatable, StoredRecord {
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

    public static let databaseTableName = "signing_keys"

    enum CodingKeys: String, CodingKey {
        case kid, algorithm
        case privateKey = "private_key"
        case createdAt = "created_at"
        case retiredAt = "retired_at"
    }
}
