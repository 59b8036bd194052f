import CairnCore
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Email syntax and the canonical form used for uniqueness (NFC, lower case, trimmed).
public enum EmailAddress {
    public static func normalize(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping.lowercased()
    }

    /// A pragmatic check: one `@`, a non-empty local part, a dotted domain, no spaces, controls
    /// or characters that need quoting. Unicode letters are allowed (internationalised mail).
    public static func isValid(_ normalized: String) -> Bool {
        guard normalized.utf8.count <= 254, !normalized.isEmpty else { return false }
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last else { return false }
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return false }
        let forbidden = CharacterSet(charactersIn: " \"(),:;<>[\\]`'").union(.whitespacesAndNewlines).union(.controlCharacters)
            .union(.illegalCharacters)
        if normalized.unicodeScalars.contains(where: { forbidden.contains($0) }) { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else { return false }
        return !local.hasPrefix(".") && !local.hasSuffix(".") && !local.contains("..")
    }
}

/// The password rules: 10 characters at least, 72 bytes at most (bcrypt's limit), not the email.
public enum PasswordPolicy {
    public static let minimumCharacters = 10
    public static let maximumBytes = 72

    /// The problem with `password`, or nil when it is acceptable.
    public static func problem(with password: String, email: String?) -> String? {
        if password.count < minimumCharacters { return "must be at least \(minimumCharacters) characters" }
        if password.utf8.count > maximumBytes { return "must be at most \(maximumBytes) bytes" }
        if password.unicodeScalars.contains(where: { $0.value == 0 }) { return "must not contain NUL characters" }
        if let email, EmailAddress.normalize(password) == EmailAddress.normalize(email) { return "must not be your email address" }
        return nil
    }
}

/// bcrypt on NIO's blocking thread pool, never on an event loop or the cooperative pool.
public struct PasswordHasher: Sendable {
    public let cost: Int

    public init(cost: Int) {
        self.cost = max(4, min(31, cost))
    }

    public func hash(_ password: String) async throws -> String {
        let cost = UInt8(self.cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}

/// URL-safe base64 without padding (RFC 4648 §5), as JWTs and tokens use it.
public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: some StringProtocol) -> Data? {
        guard text.utf8.allSatisfy({ isAlphabet($0) }) else { return nil }
        var base = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        return Data(base64Encoded: base)
    }

    static func isAlphabet(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// `count` random bytes from the system CSPRNG, encoded.
    public static func random(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return encode(Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }
}
