import CairnCore
import Foundation
import GRDB

/// A sign-in provider an administrator configured (OpenID Connect, Google or GitHub).
public struct SignInProviderRecord: Sendable, Equatable, StoredRecord {
    public var id: String
    public var type: String
    public var name: String
    /// The OIDC issuer (discovery at `<issuer>/.well-known/openid-configuration`), or for
    /// GitHub an Enterprise base URL; nil for github.com and Google's fixed issuer.
    public var issuer: String?
    public var clientID: String
    public var clientSecret: String
    @SpaceSeparated public var scopes: [String]
    public var updatedAt: Date
    public var updatedBy: String?

    public init(
        id: String, type: String, name: String, issuer: String?, clientID: String, clientSecret: String, scopes: [String],
        updatedAt: Date, updatedBy: String?
    ) {
        self.id = id
        self.type = type
        self.name = name
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }

    public static let databaseTableName = "auth_providers"

    enum CodingKeys: String, CodingKey {
        case id, type, name, issuer
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case scopes
        case updatedAt = "updated_at"
        case updatedBy = "updated_by"
    }
}
