import CairnCore
import HTTPTypes
import Hummingbird

/// Rejects bodies over the configured limit: at once when `Content-Length` says so, and while
/// reading (through `maxUploadSize`) when the body is chunked.
///
/// ```swift
/// router.add(middleware: BodyLimitMiddleware(limit: env.settings.snapshot[.serverBodyLimitBytes]))   // 413 beyond
/// ```
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw CairnError(.payloadTooLarge, "request body exceeds \(limit) bytes")
        }
        var context = context
        context.maxUploadSize = limit
        return try await next(request, context)
    }
}
