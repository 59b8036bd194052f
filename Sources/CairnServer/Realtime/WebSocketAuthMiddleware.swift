import CairnAuth
import CairnCore
import Foundation
import HTTPTypes
import Hummingbird

/// Authenticates a WebSocket upgrade before it happens: `Authorization: Bearer`, a single-use
/// `?ticket=`, or the subprotocols `cairn.v1, bearer.<token>`. No principal, no socket.
///
/// ```swift
/// router.group("/ws").add(middleware: WebSocketAuthMiddleware(auth: env.auth)).ws { _, _ in .upgrade([:]) } onUpgrade: { inbound, outbound, context in
///     // context.requestContext.principal is set
/// }
/// ```
struct WebSocketAuthMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext
    let auth: AuthService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = AuthenticationMiddleware.bearerToken(request.headers[.authorization]) {
            context.principal = try await auth.authenticate(bearer: token)
        } else if let ticket = request.uri.queryParameters["ticket"] {
            context.principal = try await auth.authenticate(ticket: String(ticket))
        } else if let token = Self.subprotocolToken(request.headers[.secWebSocketProtocol]) {
            context.principal = try await auth.authenticate(bearer: token)
        } else {
            throw CairnError.unauthenticated
        }
        if let principal = context.principal, principal.isAPIKey, !principal.scopes.contains(.chat) {
            throw CairnError(.forbidden, "this API key is read-only (scope read): it cannot open /ws")
        }
        return try await next(request, context)
    }

    /// `bearer.<token>` among the offered subprotocols.
    static func subprotocolToken(_ header: String?) -> String? {
        header?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("bearer.") }.map { String($0.dropFirst(7)) }
    }

    static func offersCairnProtocol(_ header: String?) -> Bool {
        header?.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "cairn.v1" } ?? false
    }
}
