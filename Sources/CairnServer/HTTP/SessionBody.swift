import CairnCore
import CairnStore
import Foundation

/// One live session as the API shows it: to its user (`GET /api/auth/sessions`, with `current`)
/// and to an administrator (`GET /api/admin/users/{id}/sessions`, without it).
///
/// ```swift
/// SessionBody(session, current: session.id == principal.sessionID)   // the user's own list
/// SessionBody(session)                                               // the console's
/// ```
struct SessionBody: Encodable {
    let id: String
    let createdAt: Date
    let lastUsedAt: Date
    let expiresAt: Date
    let ip: String?
    let userAgent: String?
    /// Left out of the console's list.
    let current: Bool?

    init(_ session: SessionRecord, current: Bool? = nil) {
        id = session.id.rawValue
        createdAt = session.createdAt
        lastUsedAt = session.lastUsedAt
        expiresAt = session.expiresAt
        ip = session.ip
        userAgent = session.userAgent
        self.current = current
    }
}
