import Foundation
import Synchronization

/// A kind of identifier with its external prefix (`usr`, `ses`, ...).
///
/// ```swift
/// public enum UserKind: IdentifierKind { public static let prefix = "usr" }
/// public typealias UserID = Identifier<UserKind>
/// let id = UserID.generate()          // "usr_" + 26 characters, sorting by creation time
/// ```
public protocol IdentifierKind: Sendable {
    static var prefix: String { get }
}

/// A typed identifier: `prefix_` followed by 26 Crockford base32 characters of a UUIDv7,
/// so identifiers sort by creation time and a user id can never be passed as a session id.
public struct Identifier<Kind: IdentifierKind>: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// Parses an external identifier; returns nil for a wrong prefix or shape.
    public init?(_ string: String) {
        guard Identifier.isValid(string) else { return nil }
        rawValue = string
    }

    /// A new identifier, strictly greater than every earlier one made by this process.
    public static func generate(now: Date = Date()) -> Identifier {
        Identifier(unchecked: Kind.prefix + "_" + IdentifierGenerator.shared.next(now: now))
    }

    private init(unchecked: String) { rawValue = unchecked }

    public var description: String { rawValue }
    public static func < (lhs: Identifier, rhs: Identifier) -> Bool { lhs.rawValue < rhs.rawValue }

    static func isValid(_ string: String) -> Bool {
        let utf8 = Array(string.utf8)
        let prefix = Array(Kind.prefix.utf8)
        guard utf8.count == prefix.count + 1 + 26,
            utf8.starts(with: prefix), utf8[prefix.count] == UInt8(ascii: "_")
        else { return false }
        let body = utf8[(prefix.count + 1)...]
        // The first character carries only 3 bits of the 128-bit value.
        guard let first = body.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "7") else { return false }
        return body.allSatisfy { Crockford.value(of: $0) != nil }
    }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let id = Identifier(string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "malformed \(Kind.prefix) identifier"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public enum UserKind: IdentifierKind { public static let prefix = "usr" }
public enum SessionKind: IdentifierKind { public static let prefix = "ses" }
public enum ThreadKind: IdentifierKind { public static let prefix = "thr" }
public enum MessageKind: IdentifierKind { public static let prefix = "msg" }
public enum RunKind: IdentifierKind { public static let prefix = "run" }
public enum APIKeyKind: IdentifierKind { public static let prefix = "key" }
public enum BackupKind: IdentifierKind { public static let prefix = "bak" }
public enum AuditKind: IdentifierKind { public static let prefix = "aud" }
public enum RequestKind: IdentifierKind { public static let prefix = "req" }
public enum TokenKind: IdentifierKind { public static let prefix = "jti" }
public enum SettingChangeKind: IdentifierKind { public static let prefix = "chg" }

public typealias UserID = Identifier<UserKind>
public typealias SessionID = Identifier<SessionKind>
public typealias ThreadID = Identifier<ThreadKind>
public typealias MessageID = Identifier<MessageKind>
public typealias RunID = Identifier<RunKind>
public typealias APIKeyID = Identifier<APIKeyKind>
public typealias BackupID = Identifier<BackupKind>
public typealias AuditID = Identifier<AuditKind>
public typealias RequestID = Identifier<RequestKind>
public typealias TokenID = Identifier<TokenKind>
public typealias SettingChangeID = Identifier<SettingChangeKind>

enum Crockford {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func value(of char: UInt8) -> UInt8? {
        alphabet.firstIndex(of: char).map { UInt8($0) }
    }

    /// Encodes 128 bits as 26 characters, most significant first.
    static func encode(high: UInt64, low: UInt64) -> String {
        var chars = [UInt8](repeating: 0, count: 26)
        var hi = high
        var lo = low
        for index in stride(from: 25, through: 0, by: -1) {
            chars[index] = alphabet[Int(lo & 0x1F)]
            lo = (lo >> 5) | (hi << 59)
            hi >>= 5
        }
        return String(decoding: chars, as: UTF8.self)
    }
}

/// UUIDv7 with a monotonic 12-bit sequence in `rand_a` (RFC 9562, method 1), so ids made in
/// the same millisecond still sort in creation order.
final class IdentifierGenerator: Sendable {
    static let shared = IdentifierGenerator()
    private let state = Mutex<(millis: UInt64, sequence: UInt64)>((0, 0))

    func next(now: Date) -> String {
        let wallMillis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (millis, sequence) = state.withLock { state -> (UInt64, UInt64) in
            if wallMillis > state.millis {
                state = (wallMillis, UInt64.random(in: 0..<0x400))
            } else if state.sequence < 0xFFF {
                state.sequence += 1
            } else {
                state = (state.millis + 1, 0)
            }
            return state
        }
        let high = (millis << 16) | (0x7 << 12) | sequence
        let low = (UInt64(0b10) << 62) | (UInt64.random(in: 0...UInt64.max) >> 2)
        return Crockford.encode(high: high, low: low)
    }
}
