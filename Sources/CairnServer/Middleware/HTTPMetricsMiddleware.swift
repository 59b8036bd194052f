import Foundation
import Hummingbird

/// Counts every request by method, route template and status, with a latency histogram.
///
/// ```swift
/// router.add(middleware: HTTPMetricsMiddleware(metrics: env.metrics))   // cairn_http_requests_total{route="/api/runs/{id}"}
/// ```
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.request(
            method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: response.status.code,
            duration: ContinuousClock.now - start)
        return response
    }
}
