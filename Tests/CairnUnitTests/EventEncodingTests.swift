import CairnCore
import CairnTestSupport
import Foundation
import PropertyBased
import Testing

/// The per-event path writes JSON and timestamps by hand (see `JSONText`, `UTCTimestamp`); these
/// checks hold them to what Foundation writes.
@Suite("Event encoding")
struct EventEncodingTests {
    static let foundation: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Any JSON value (boundary numbers, escapes, multi-byte text, nesting) is written exactly as
    /// Foundation's encoder writes it, and parses back to the same value.
    @Test func jsonTextWritesWhatFoundationWrites() async throws {
        await propertyCheck(count: 500, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var fuzz = HostileJSON(seed: seed)
            let source = fuzz.object(keys: ["a", "type", "content", "call_id", "b2"], depth: 3)
            guard let value = try? JSONValue.parse(source) else { return }
            let ours = JSONText.encode(value)
            let theirs = String(decoding: (try? Self.foundation.encode(value)) ?? Data(), as: UTF8.self)
            #expect(ours == theirs, "seed \(seed)")
            #expect((try? JSONValue.parse(ours)) == value, "seed \(seed): does not parse back")
        }
    }

    @Test func jsonTextEscapesControlCharactersAndQuotes() {
        #expect(JSONText.quoted("a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}/é") == #""a\"b\\c\n\r\t\b\f\u0001\u001f/é""#)
        #expect(JSONText.encode(.number(.nan)) == "null")
        #expect(JSONText.encode([1.5, 1e20, -0.0, 42]) == "[1.5,1e+20,0,42]")
    }

    /// Any time from 1970 to 9999 formats as Foundation's ISO 8601 style does (earlier times
    /// differ in Foundation's rounding of negative fractions, and never occur as event times).
    @Test func utcTimestampMatchesFoundation() async {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        await propertyCheck(count: 5_000, input: Gen.int64(in: 0...253_402_300_799_999)) { millis in
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            #expect(UTCTimestamp.format(date) == date.formatted(style), "millis \(millis)")
        }
        let now = Date()
        #expect(UTCTimestamp.format(now) == now.formatted(style))
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
        #expect(UTCTimestamp.format(millis: .min) == "0001-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.format(millis: .max) == "9999-12-31T23:59:59.999Z")
    }
}
