import CairnAuth
import CairnCore
import HTTPTypes
import Hummingbird

/// What a request made with an API key may do; must sit after `AuthenticationMiddleware`.
/// Session tokens pass untouched. A key never manages the account (password, sessions,
/// tickets, logout, other keys): `sessionOnly` groups refuse keys except for what `allowed`
/// lists; a `read` key may only read.
///
/// ```swift
/// router.group("/api").add(middleware: authenticate).add(middleware: APIKeyPolicyMiddleware())
/// router.group("/api/auth").add(middleware: authenticate).add(middleware: APIKeyPolicyMiddleware(allowed: ["/api/auth/me"]))
/// ```
struct APIKeyPolicyMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext
    /// Paths of the group a key may call (`nil`: every path except key management).
    var allowed: Set<String>?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard principal.isAPIKey else { return try await next(request, context) }
        let path = request.uri.path
        let reading = request.method == .get || request.method == .head
        if let allowed, !allowed.contains(path) || !reading {
            throw CairnError(.forbidden, "API keys cannot manage the account; sign in with your password")
        }
        if path == "/api/keys" || path.hasPrefix("/api/keys/"), !reading {
            throw CairnError(.forbidden, "API keys cannot create or revoke API keys; sign in with your password")
        }
        if !reading, !principal.scopes.contains(.chat) {
            throw CairnError(.forbidden, "this API key is read-only (scope read)")
        }
        return try await next(request, context)
    }
}
