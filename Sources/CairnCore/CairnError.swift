/// The one error type that crosses module boundaries; the server maps `code` to an HTTP status.
public struct CairnError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, snake_case error codes of the external contract.
    public enum Code: String, Sendable, Equatable {
        case invalidRequest = "invalid_request"
        case invalidJSON = "invalid_json"
        /// A WebSocket message whose `type` is none of the client message types.
        case unknownType = "unknown_type"
        case unauthenticated
        case invalidCredentials = "invalid_credentials"
        case forbidden
        case notFound = "not_found"
        case conflict
        case payloadTooLarge = "payload_too_large"
        case validationFailed = "validation_failed"
        case rateLimited = "rate_limited"
        case quotaExceeded = "quota_exceeded"
        case unavailable
        case `internal` = "internal_error"
    }

    public var code: Code
    public var message: String
    /// Extra machine-readable facts, e.g. which fields failed validation.
    public var details: [String: String]?
    /// Seconds the client should wait before retrying (429, 503).
    public var retryAfter: Int?

    public init(_ code: Code, _ message: String, details: [String: String]? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func notFound(_ what: String = "resource") -> CairnError {
        CairnError(.notFound, "\(what) not found")
    }
    public static func validation(_ fields: [String: String]) -> CairnError {
        CairnError(.validationFailed, "validation failed", details: fields)
    }
    public static let unauthenticated = CairnError(.unauthenticated, "authentication required")
}
