/// Decodes client-supplied values into their domains, collecting one problem per field, so a
/// bad value becomes a 422 (or a WebSocket `invalid_request`) naming the field: integers are
/// whole numbers within bounds (never a trapping conversion), strings have a maximum length,
/// choices are closed.
///
/// ```swift
/// var checks = FieldChecks()
/// let after = checks.integer("after_seq", frame["after_seq"], in: 0...Int.max, default: 0)
/// let content = checks.text("content", frame["content"], maxBytes: 32_768, required: true)
/// try checks.finish()   // throws CairnError.validation(["after_seq": "must be a whole number from 0 to …"])
/// ```
public struct FieldChecks: Sendable {
    public private(set) var problems: [String: String] = [:]

    public init() {}

    /// Records a problem with `field` (the first one per field is kept).
    public mutating func fail(_ field: String, _ problem: String) {
        if problems[field] == nil { problems[field] = problem }
    }

    /// An integer in `range`: a JSON number with no fraction that fits. Absent or null gives `default`.
    public mutating func integer(_ field: String, _ value: JSONValue?, in range: ClosedRange<Int>, default fallback: Int? = nil) -> Int? {
        switch value {
        case nil, .null?:
            if fallback == nil { fail(field, "is required") }
            return fallback
        case .number(let number)?:
            guard let whole = Int(exactly: number), range.contains(whole) else {
                fail(field, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return whole
        default:
            fail(field, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
    }

    /// An already-typed integer (from a `Decodable` body) checked against `range`.
    public mutating func integer(_ field: String, _ value: Int?, in range: ClosedRange<Int>) -> Int? {
        guard let value else { return nil }
        guard range.contains(value) else {
            fail(field, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A finite number in `range`.
    public mutating func number(_ field: String, _ value: Double?, in range: ClosedRange<Double>) -> Double? {
        guard let value else { return nil }
        guard value.isFinite, range.contains(value) else {
            fail(field, "must be a number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A string of at most `maxBytes` UTF-8 bytes (and at least `minBytes`).
    public mutating func text(_ field: String, _ value: JSONValue?, maxBytes: Int, minBytes: Int = 0, required: Bool = false) -> String? {
        switch value {
        case nil, .null?:
            if required { fail(field, "is required") }
            return nil
        case .string(let string)?:
            return text(field, string, maxBytes: maxBytes, minBytes: minBytes)
        default:
            fail(field, "must be a string")
            return nil
        }
    }

    /// An already-typed string checked against its byte bounds.
    public mutating func text(_ field: String, _ value: String?, maxBytes: Int, minBytes: Int = 0) -> String? {
        guard let value else { return nil }
        let count = value.utf8.count
        guard count <= maxBytes else {
            fail(field, "must be at most \(maxBytes) bytes")
            return nil
        }
        guard count >= minBytes else {
            fail(field, minBytes == 1 ? "must not be empty" : "must be at least \(minBytes) bytes")
            return nil
        }
        return value
    }

    /// A boolean; absent or null gives nil.
    public mutating func boolean(_ field: String, _ value: JSONValue?) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default:
            fail(field, "must be true or false")
            return nil
        }
    }

    /// One of a closed set of raw values.
    public mutating func choice<Value: RawRepresentable & CaseIterable>(_ field: String, _ raw: String?, as type: Value.Type) -> Value?
    where Value.RawValue == String {
        guard let raw else { return nil }
        guard let value = Value(rawValue: raw) else {
            fail(field, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// Throws `CairnError.validation` naming every field with a problem; does nothing when all were fine.
    public func finish() throws(CairnError) {
        if !problems.isEmpty { throw CairnError.validation(problems) }
    }
}
