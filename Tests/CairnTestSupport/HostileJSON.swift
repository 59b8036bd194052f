import Foundation

/// A deterministic generator of hostile JSON text for fuzzing: boundary numbers written as raw
/// literals (±2^63, 1e19, 1e308, 1e400, -0), numbers in strings ("NaN"), wrong types, long
/// strings, escapes (NUL, lone surrogates), deep nesting, unknown keys and truncated documents.
/// Driven by a seed, so a failing case is reproduced by its seed alone.
///
/// ```swift
/// var fuzz = HostileJSON(seed: 42)
/// let frame = fuzz.object(keys: ["type", "run_id", "after_seq"], typeValues: ["resume"])
/// ```
public struct HostileJSON {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// SplitMix64: small, fast, and good enough to spread cases.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    public mutating func pick<T>(_ options: [T]) -> T { options[below(options.count)] }

    /// Numbers at the edges of every integer and floating-point domain, as JSON literals.
    public static let boundaryNumbers = [
        "0", "-0", "1", "-1", "0.5", "-0.0", "1e19", "-1e19", "1e308", "-1e308", "1e400", "-1e400", "1e-400",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "4294967296", "2147483648", "9007199254740993", "123456789012345678901234567890",
        "1.7976931348623157e308", "5e-324", "1E2", "0.1e1",
    ]

    /// Values of the wrong type or shape for whatever field they land in.
    public static let oddValues = [
        "null", "true", "false", "\"\"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"1e19\"", "\"x\"", "[]", "{}", "[null]",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"run_\"", "\"run_../../etc\"", "\"thr_0\"", "\"<script>alert(1)</script>\"",
        "\"javascript:alert(1)\"", "\"' OR 1=1 --\"", "\"\\\"\"", "{\"$ne\": 1}",
    ]

    /// One JSON value of any kind, at most `depth` levels deep.
    public mutating func value(depth: Int = 3) -> String {
        switch below(depth > 0 ? 8 : 5) {
        case 0: return pick(Self.boundaryNumbers)
        case 1: return pick(Self.oddValues)
        case 2: return String(Double(bitPattern: next()))  // any bit pattern: nan, inf, subnormals (non-finite ones are not JSON)
        case 3: return string()
        case 4: return String(Int64(bitPattern: next()))
        case 5: return "[" + (0..<below(4)).map { _ in value(depth: depth - 1) }.joined(separator: ",") + "]"
        case 6: return object(keys: ["a", "type", "content"], depth: depth - 1)
        default: return deepNesting()
        }
    }

    /// A JSON string: short, long (up to 70 KB), with escapes or multi-byte characters.
    public mutating func string() -> String {
        switch below(5) {
        case 0: return "\"\(String(repeating: "x", count: below(2_000)))\""
        case 1: return "\"\(String(repeating: "é€😀", count: below(25_000)))\""
        case 2: return "\"\(String(repeating: "\\n\\t\\\\\\\"\\u0001", count: below(200)))\""
        case 3: return "\"\(String(repeating: "1234567890+", count: below(400)))\""
        default: return "\"w\(below(1_000))\""
        }
    }

    /// Arrays or objects nested up to 20,000 levels.
    public mutating func deepNesting() -> String {
        let depth = pick([10, 100, 513, 2_000, 20_000])
        return chance(50) ? String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            : String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
    }

    /// An object with some of `keys` (plus an unknown one now and then); `type` takes one of
    /// `typeValues` most of the time.
    public mutating func object(keys: [String], typeValues: [String] = [], depth: Int = 2) -> String {
        var fields: [String] = []
        for key in keys where chance(70) {
            if key == "type", !typeValues.isEmpty, chance(85) {
                fields.append("\"type\":\"\(pick(typeValues))\"")
            } else {
                fields.append("\"\(key)\":\(value(depth: depth))")
            }
        }
        if chance(15) { fields.append("\"unknown_\(below(10))\":\(value(depth: 1))") }
        if chance(5) { fields.append(fields.first ?? "\"dup\":1") }   // a duplicate key
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Sometimes a valid document, sometimes one cut short or not JSON at all.
    public mutating func document(_ body: String) -> String {
        switch below(20) {
        case 0: return String(body.prefix(below(body.count + 1)))
        case 1: return pick(["", " ", "nul", "{", "[1,]", "{\"a\":1,}", "\u{FEFF}{}", "1", "\"str\"", "[]"])
        default: return body
        }
    }
}
