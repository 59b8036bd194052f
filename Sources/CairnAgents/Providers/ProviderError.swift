import CairnCore
import Foundation

/// Why a model call failed, classified for retries, fallback and the provider's breaker.
public enum ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The vendor answered with an error status (or sent an error event in the stream).
    case http(status: Int, message: String, retryAfter: TimeInterval?)
    /// Connecting, sending or reading failed, or the stream ended before the answer was complete.
    case transport(String)
    /// Nothing arrived for longer than the provider's timeout.
    case timeout(milliseconds: Int)
    /// The vendor sent something that is not its documented format.
    case malformed(String)

    /// What users, run events and logs see: the vendor's and the network's own words are scrubbed
    /// of addresses and key fragments (`Redaction`).
    public var description: String {
        switch self {
        case .http(let status, let message, _): "HTTP \(status): \(Redaction.scrub(message))"
        case .transport(let message): Redaction.scrub(message)
        case .timeout(let milliseconds): "no data for \(milliseconds) ms"
        case .malformed(let message): "malformed response: \(Redaction.scrub(message))"
        }
    }

    /// Worth another attempt (connection errors, timeouts, 408, 429 and 5xx).
    public var isRetryable: Bool {
        switch self {
        case .http(let status, _, _): status == 408 || status == 429 || status >= 500
        case .transport, .timeout: true
        case .malformed: false
        }
    }

    /// How the breaker counts it: the dependency's failures count, the caller's own mistakes do not.
    public var breakerOutcome: CallOutcome {
        switch self {
        case .http(let status, _, _): (status == 408 || status == 429 || status >= 500) ? .failure : .ignored
        case .transport, .timeout, .malformed: .failure
        }
    }

    /// The run's error code when this error ends the run.
    public var runErrorCode: String {
        if case .http(let status, let message, _) = self, status == 400 || status == 413 {
            let lower = message.lowercased()
            if ["context_length", "context length", "maximum context", "prompt is too long", "too many tokens"].contains(where: lower.contains) {
                return "context_length_exceeded"
            }
        }
        return "provider_error"
    }

    /// The seconds of a `Retry-After` header (delta-seconds or an HTTP date).
    static func retryAfter(_ header: String?, now: Date = Date()) -> TimeInterval? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        // A vendor's number is bounded like any client value: at most a day (longer waits fall back anyway).
        let longest: TimeInterval = 86_400
        if let seconds = Double(header) { return seconds.isFinite ? min(longest, max(0, seconds)) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: header).map { min(longest, max(0, $0.timeIntervalSince(now))) }
    }

    /// The human message inside a vendor's JSON error body (`{"error": {"message": ...}}`), or the text itself.
    static func message(fromBody body: String) -> String {
        if let json = try? JSONValue.parse(body) {
            if let message = json["error"]?["message"]?.stringValue { return message }
            if let message = json["error"]?.stringValue { return message }
            if let message = json["message"]?.stringValue { return message }
        }
        let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "no details" : String(trimmed.prefix(300))
    }
}
