import CairnCore

/// Numbers and sizes in a vendor's stream, read into their domains: a vendor (or whatever sits
/// at its base URL) is outside the machine, so its numbers are client-supplied values too.
///
/// ```swift
/// ProviderWire.tokens(.number(1e300))          // 0: not a believable count
/// try ProviderWire.index(.number(3), default: 0) // 3
/// ```
enum ProviderWire {
    /// Tool calls one answer may carry, and the size of one call's arguments.
    static let maxToolCalls = 128
    static let maxToolArgumentBytes = 1 << 20
    static let oversizedArguments = ProviderError.malformed("a tool call's arguments exceed \(maxToolArgumentBytes) bytes")

    /// A token count; anything that is not a whole number from 0 to 2^40 counts as 0.
    static func tokens(_ value: JSONValue?) -> Int {
        guard let count = value?.intValue, (0...(1 << 40)).contains(count) else { return 0 }
        return count
    }

    /// A content-block or tool-call index; absent gives `default`, out of range is a malformed stream.
    static func index(_ value: JSONValue?, default fallback: Int) throws -> Int {
        guard let value, value != .null else { return fallback }
        guard let index = value.intValue, (0..<maxToolCalls).contains(index) else {
            throw ProviderError.malformed("index \(value.jsonText.prefix(40)) is not a whole number below \(maxToolCalls)")
        }
        return index
    }
}
