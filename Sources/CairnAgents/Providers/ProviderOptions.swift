import CairnCore

/// A provider's `options`, decoded into their domains. Which keys exist depends on the type;
/// an unknown key or a value out of range is refused when an admin saves the provider (422
/// naming `options.<key>`), so nothing unusable is ever stored. A record already stored with a
/// bad value (by an older version) loads with that option at its default instead of failing.
///
/// ```swift
/// let options = try ProviderOptions.decode(["max_tokens": 1024], type: "anthropic")
/// options.maxTokens   // 1024
/// try ProviderOptions.decode(["max_tokens": 1e300], type: "anthropic")
/// // CairnError.validation(["options.max_tokens": "must be a whole number from 1 to 1000000"])
/// ```
public struct ProviderOptions: Sendable, Equatable {
    /// offline: delay before each streamed word.
    public var chunkDelayMs = 15
    /// anthropic: `max_tokens` when a request names none.
    public var maxTokens = 4096
    /// openai: ask for `usage` in the last chunk (`stream_options.include_usage`); some servers reject it.
    public var includeUsage = true
    /// openai: extra request headers (Azure-style `api-key` gateways).
    public var headers: [Header] = []
    /// Any type: price in USD per 1,000 input / output tokens, for the console's cost estimate.
    public var pricePer1kInput: Double?
    public var pricePer1kOutput: Double?

    public struct Header: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    public init() {}

    static let chunkDelayRange = 0...60_000
    static let maxTokensRange = 1...1_000_000
    static let maxHeaders = 20
    static let maxHeaderValueBytes = 4096
    static let priceRange = 0.0...1_000.0
    static let priceKeys: Set<String> = ["price_per_1k_input", "price_per_1k_output"]
    static let keys: [String: Set<String>] = [
        "offline": priceKeys.union(["chunk_delay_ms"]),
        "openai": priceKeys.union(["include_usage", "headers"]),
        "anthropic": priceKeys.union(["max_tokens"]),
    ]

    /// Lenient, for stored records: a bad option keeps its default.
    public static func storedPrices(_ text: String, type: String) -> (input: Double?, output: Double?) {
        let options = stored(text, type: type)
        return (options.pricePer1kInput, options.pricePer1kOutput)
    }

    /// Strict: every problem is reported, keyed `options.<key>`.
    public static func decode(_ value: JSONValue, type: String) throws(CairnError) -> ProviderOptions {
        var checks = FieldChecks()
        let options = read(value, type: type, &checks)
        try checks.finish()
        return options
    }

    /// Lenient, for stored records: a bad option keeps its default.
    static func stored(_ text: String, type: String) -> ProviderOptions {
        var checks = FieldChecks()
        return read((try? JSONValue.parse(text)) ?? [:], type: type, &checks)
    }

    private static func read(_ value: JSONValue, type: String, _ checks: inout FieldChecks) -> ProviderOptions {
        var options = ProviderOptions()
        guard case .object(let fields) = value else {
            checks.fail("options", "must be an object")
            return options
        }
        let known = keys[type] ?? []
        for key in fields.keys.sorted() where !known.contains(key) {
            let allowed = known.sorted().joined(separator: ", ")
            checks.fail(
                "options.\(String(key.prefix(64)))", "is not an option of \(type) providers" + (allowed.isEmpty ? "" : " (known: \(allowed))"))
        }
        if let delay = checks.integer("options.chunk_delay_ms", fields["chunk_delay_ms"], in: chunkDelayRange, default: options.chunkDelayMs) {
            options.chunkDelayMs = delay
        }
        if let tokens = checks.integer("options.max_tokens", fields["max_tokens"], in: maxTokensRange, default: options.maxTokens) {
            options.maxTokens = tokens
        }
        if let usage = checks.boolean("options.include_usage", fields["include_usage"]) { options.includeUsage = usage }
        for key in priceKeys.sorted() {
            guard let raw = fields[key], raw != .null else { continue }
            guard let number = raw.numberValue else {
                checks.fail("options.\(key)", "must be a number from \(priceRange.lowerBound) to \(priceRange.upperBound) (USD per 1,000 tokens)")
                continue
            }
            guard let price = checks.number("options.\(key)", number, in: priceRange) else { continue }
            if key == "price_per_1k_input" { options.pricePer1kInput = price } else { options.pricePer1kOutput = price }
        }
        switch fields["headers"] {
        case nil, .null?: break
        case .object(let headers)? where headers.count <= maxHeaders:
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
                guard isToken(name), name.utf8.count <= 100 else {
                    checks.fail("options.headers", "header names must be 1-100 token characters")
                    continue
                }
                guard let text = value.stringValue, text.utf8.count <= maxHeaderValueBytes,
                    !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
                else {
                    checks.fail("options.headers.\(name)", "must be a string of at most \(maxHeaderValueBytes) bytes without control characters")
                    continue
                }
                options.headers.append(Header(name: name, value: text))
            }
        default:
            checks.fail("options.headers", "must be an object of at most \(maxHeaders) string headers")
        }
        return options
    }

    /// RFC 9110 token characters.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { scalar in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9": true
                default: "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar)
                }
            }
    }
}
