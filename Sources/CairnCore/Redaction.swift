import Foundation

/// Scrubs text from outside (a vendor's error body, a connection error) before it reaches users:
/// no internal addresses (URLs, IPs, host:port) and no key material (`sk-…`, masked `****abcd`
/// fragments, bearer tokens) survive.
///
/// ```swift
/// Redaction.scrub("Incorrect API key provided: sk-proj-****WXYZ.")        // "Incorrect API key provided: [key].""
/// Redaction.scrub("connect to 10.0.0.7:8443 refused")                     // "connect to [address] refused"
/// ```
public enum Redaction {
    /// Longest text scrubbed (and returned); vendor messages are short.
    static let maxBytes = 2000

    static let rules: [(NSRegularExpression, String)] = [
        (#"(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>]+"#, "[address]"),
        (#"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"#, "Bearer [key]"),
        (#"(?i)\b(?:sk|pk|rk|api|key|sess|xox[abp])[-_][A-Za-z0-9_*.-]{3,}"#, "[key]"),
        (#"[A-Za-z0-9_-]*\*{3,}[A-Za-z0-9_-]*"#, "[key]"),
        (#"\[?(?:[0-9A-Fa-f]{1,4}:){4,7}[0-9A-Fa-f]{1,4}\]?(?::\d{1,5})?"#, "[address]"),
        (#"\[?(?:[0-9A-Fa-f]{1,4}:)*:(?::?[0-9A-Fa-f]{1,4})+\]?(?::\d{1,5})?"#, "[address]"),
        (#"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b"#, "[address]"),
        (#"(?i)\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d{1,5})?\b"#, "[address]"),
        (#"(?i)\b(?:localhost|[a-z0-9-]+):\d{2,5}\b"#, "[address]"),
        (#"\b[A-Za-z0-9_-]{32,}\b"#, "[key]"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    public static func scrub(_ text: String) -> String {
        var result = String(decoding: text.utf8.prefix(maxBytes), as: UTF8.self)
        for (pattern, replacement) in rules {
            result = pattern.stringByReplacingMatches(in: result, range: NSRange(result.startIndex..., in: result), withTemplate: replacement)
        }
        return result
    }
}
