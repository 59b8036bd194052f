import Foundation

/// RFC 3339 UTC text with milliseconds (`2026-12-02T14:13:54.123Z`), computed with integer
/// arithmetic: Foundation's `ISO8601FormatStyle` cost more per event than storing the event.
///
/// ```swift
/// UTCTimestamp.format(Date(timeIntervalSince1970: 0))   // "1970-01-01T00:00:00.000Z"
/// ```
public enum UTCTimestamp {
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        // Years 0001…9999 only: anything else is clamped, like `Date.millis`.
        let clamped = min(max(seconds, -62_135_596_800), 253_402_300_799.999)
        // Whole seconds, then the fraction truncated to milliseconds, as Foundation does.
        let whole = clamped.rounded(.down)
        return format(millis: Int64(whole) * 1000 + Int64((clamped - whole) * 1000))
    }

    /// Milliseconds since 1970, clamped to years 0001…9999.
    public static func format(millis: Int64) -> String {
        let millis = min(max(millis, -62_135_596_800_000), 253_402_300_799_999)
        let (daysSinceEpoch, millisOfDay) = millis.floorDivided(by: 86_400_000)
        let (year, month, day) = civil(fromDays: daysSinceEpoch)
        let ms = Int(millisOfDay)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        append(year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        append(month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        append(day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        append(ms / 3_600_000, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(ms / 60_000 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(ms / 1000 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        append(ms % 1000, width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Howard Hinnant's days-from-civil inverse: days since 1970-01-01 → (year, month, day).
    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    private static func append(_ value: Int, width: Int, to out: inout [UInt8]) {
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var rest = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        out.append(contentsOf: digits)
    }
}

extension Int64 {
    /// Quotient and non-negative remainder.
    fileprivate func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        let quotient = self / divisor
        let remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}

extension Date {
    /// Milliseconds since 1970, the storage form of every timestamp.
    /// Never traps: a date beyond what 64-bit milliseconds hold (one built from a client's number)
    /// is clamped to the nearest end.
    public var millis: Int64 {
        let value = (timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return value > 0 ? .max : value < 0 ? .min : 0 }
        return Int64(exactly: value) ?? (value > 0 ? .max : .min)
    }
    public init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
