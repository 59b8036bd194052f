import CairnCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One structured log line per request: method, path, status, duration, request id.
///
/// ```swift
/// router.add(middleware: RequestIDMiddleware())    // first, so the line carries the request id
/// router.add(middleware: AccessLogMiddleware())
/// ```
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let millis = elapsed.fractionalMilliseconds
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.2f", millis)),
                "client": .string(context.clientIP ?? "-"),
            ])
        return response
    }
}
