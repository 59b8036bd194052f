import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// The public shape of a user.
struct UserBody: Encodable {
    let id: String
    let email: String
    let name: String
    let role: String
    let status: String
    let createdAt: Date
    let authProvider: String
    let lastLoginAt: Date?
    /// Set while the account is locked for clients it does not know.
    let lockedUntil: Date?
    /// Quota limits (the user's override for the console; the effective ones for `/me`).
    var quota: QuotaLimits?
    /// What the user has used today and this month (admin list and `/me`).
    var usage: QuotaUsage?

    init(_ user: UserRecord) {
        id = user.id.rawValue
        email = user.email
        name = user.name
        role = user.role.rawValue
        status = user.status.rawValue
        createdAt = user.createdAt
        authProvider = user.authProvider
        lastLoginAt = user.lastLoginAt
        lockedUntil = user.lockedUntil.flatMap { $0 > Date() ? $0 : nil }
    }
}

/// Login, registration and refresh answer with this.
struct AuthBody: Encodable {
    let user: UserBody
    let accessToken: String
    /// Left out when the refresh token travels in an HttpOnly cookie (`RefreshCookie`).
    let refreshToken: String?
    let tokenType = "Bearer"
    let expiresIn: Int

    init(_ success: AuthSuccess, includeRefreshToken: Bool = true) {
        user = UserBody(success.user)
        accessToken = success.tokens.accessToken
        refreshToken = includeRefreshToken ? success.tokens.refreshToken : nil
        expiresIn = success.tokens.expiresIn
    }
}

/// A page of a collection: `{items, next_cursor}`.
struct Page<Item: Encodable>: Encodable {
    let items: [Item]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        // Encoded explicitly so a last page says `"next_cursor": null` rather than omitting it.
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// `?limit=` and `?cursor=` as API.md defines them.
struct Pagination {
    let limit: Int
    let cursor: String?

    /// A fixed page (exports), from the start.
    init(limit: Int, cursor: String? = nil) {
        self.limit = limit
        self.cursor = cursor
    }

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        if let raw = query["limit"] {
            guard let value = Int(String(raw)), value >= 1 else {
                throw CairnError.validation(["limit": "must be an integer between 1 and 200"])
            }
            limit = min(value, 200)
        } else {
            limit = 50
        }
        cursor = query["cursor"].flatMap { Base64URL.decode(String($0)) }.map { String(decoding: $0, as: UTF8.self) }
        if query["cursor"] != nil, cursor == nil { throw CairnError(.invalidRequest, "malformed cursor") }
    }

    /// The cursor for the page after one ending with `lastID`, when the page was full.
    func next(after lastID: String?, count: Int) -> String? {
        guard count == limit, let lastID else { return nil }
        return Base64URL.encode(Data(lastID.utf8))
    }
}

extension Request {
    /// Client facts for sessions, rate limits and audit.
    func origin(_ context: CairnRequestContext) -> RequestOrigin {
        RequestOrigin(ip: context.clientIP, userAgent: headers[.userAgent])
    }
}
