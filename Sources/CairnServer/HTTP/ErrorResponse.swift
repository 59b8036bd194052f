import CairnCore
import CairnStore
import HTTPTypes
import Hummingbird

/// The single place that turns a `CairnError` into an HTTP status and JSON body.
enum ErrorResponse {
    static func status(for code: CairnError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidRequest, .invalidJSON, .unknownType: return .badRequest
        case .unauthenticated, .invalidCredentials: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .payloadTooLarge: return .contentTooLarge
        case .validationFailed: return .unprocessableContent
        case .rateLimited, .quotaExceeded: return .tooManyRequests
        case .unavailable: return .serviceUnavailable
        case .internal: return .internalServerError
        }
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let details: [String: String]?
        }
        let error: Detail
    }

    static func response(for error: CairnError, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        if let retryAfter = error.retryAfter {
            headers[.retryAfter] = String(retryAfter)
        }
        if error.code == .unauthenticated {
            headers[.wwwAuthenticate] = "Bearer"
        }
        let body = Body(error: .init(code: error.code.rawValue, message: error.message, details: error.details))
        return (try? APIJSON.response(body, status: status(for: error.code), headers: headers))
            ?? Response(status: .internalServerError)
    }

    /// Maps anything thrown by a handler; unknown errors become an opaque 500.
    static func cairnError(from error: any Error) -> CairnError {
        switch error {
        case let error as CairnError:
            return error
        case let error as HTTPError:
            switch error.status {
            case .notFound: return CairnError(.notFound, "no route for this path")
            case .methodNotAllowed: return CairnError(.notFound, "no route for this method and path")
            case .contentTooLarge: return CairnError(.payloadTooLarge, "request body too large")
            case .unauthorized: return .unauthenticated
            case .forbidden: return CairnError(.forbidden, "forbidden")
            case .badRequest: return CairnError(.invalidRequest, error.body ?? "bad request")
            default:
                return CairnError(error.status.code >= 500 ? .internal : .invalidRequest, error.body ?? error.status.reasonPhrase)
            }
        case let error as DecodingError:
            return APIJSON.mapDecodingError(error)
        default:
            return Store.unavailability(error) ?? CairnError(.internal, "internal error")
        }
    }
}
