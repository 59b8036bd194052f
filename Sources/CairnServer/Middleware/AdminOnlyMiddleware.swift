import CairnAuth
import CairnCore
import HTTPTypes
import Hummingbird

/// Lets only administrators through; must sit after `AuthenticationMiddleware`.
///
/// ```swift
/// let admin = router.group("/api/admin").add(middleware: authenticate).add(middleware: AdminOnlyMiddleware())
/// ```
struct AdminOnlyMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard try context.requirePrincipal().isAdmin else {
            throw CairnError(.forbidden, "administrator role required")
        }
        return try await next(request, context)
    }
}
