import CairnAuth
import CairnCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Resolves `Authorization: Bearer …` to a principal before any protected handler runs.
///
/// ```swift
/// let api = router.group("/api").add(middleware: AuthenticationMiddleware(auth: env.auth))
/// api.get("/whoami") { _, context in try context.requirePrincipal().userID.rawValue }
/// ```
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext
    let auth: AuthService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.bearerToken(request.headers[.authorization]) else {
            throw CairnError.unauthenticated
        }
        var context = context
        context.principal = try await auth.authenticate(bearer: token)
        if let principal = context.principal {
            context.logger[metadataKey: "user_id"] = .string(principal.userID.rawValue)
        }
        return try await next(request, context)
    }

    /// The token of a well-formed `Bearer` header (scheme case-insensitive), else nil.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
