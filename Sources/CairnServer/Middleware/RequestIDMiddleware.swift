import CairnCore
import HTTPTypes
import Hummingbird
import Logging

/// Accepts a well-formed `X-Request-Id` from the client or makes one, and echoes it.
///
/// ```swift
/// router.add(middleware: RequestIDMiddleware())     // context.requestID, logged and echoed
/// ```
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext

    static let header = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let given = request.headers[Self.header], Self.isAcceptable(given) {
            context.requestID = given
        } else {
            context.requestID = RequestID.generate().rawValue
        }
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response = try await next(request, context)
        response.headers[Self.header] = context.requestID
        return response
    }

    /// Up to 128 characters of `[A-Za-z0-9._-]`, so ids are safe to log and echo.
    static func isAcceptable(_ id: String) -> Bool {
        guard (1...128).contains(id.utf8.count) else { return false }
        return id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}
