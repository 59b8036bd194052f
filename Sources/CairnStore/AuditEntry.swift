import CairnCore
import Foundation
import GRDB

/// One audit entry: who did what to what, from where. Never holds a password or token.
public struct AuditEntry: Sendable, Equatable, StoredRecord {
    public var id: AuditID
    public var at: Date
    public var actor: String?
    public var action: String
    public var target: String?
    public var ip: String?
    public var userAgent: String?
    /// Small JSON object with extra facts (reason, before/after).
    public var details: String?

    public init(
        id: AuditID = .generate(), at: Date, actor: String?, action: String, target: String?,
        ip: String? = nil, userAgent: String? = nil, details: String? = nil
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.ip = ip
        self.userAgent = userAgent
        self.details = details
    }

    public static let databaseTableName = "audit_log"

    enum CodingKeys: String, CodingKey {
        case id, at, actor, action, target, ip, details
        case userAgent = "user_agent"
    }
}
