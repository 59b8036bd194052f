import CairnCore
import HTTPTypes
import Hummingbird
import Logging

/// Catches every error below it and answers in the API's error shape; never leaks internals.
///
/// ```swift
/// router.add(middleware: ErrorMiddleware())
/// router.get("/thing") { _, _ -> String in throw CairnError.notFound("thing") }   // 404 in the error shape
/// ```
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let mapped = ErrorResponse.cairnError(from: error)
            if mapped.code == .internal {
                context.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error))])
            }
            return ErrorResponse.response(for: mapped)
        }
    }
}
