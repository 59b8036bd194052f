import CairnCore
import Configuration
import Foundation
import Yams

/// A problem that stops start-up: a bad value or an unreadable file.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }

    /// Where a JSON document stops parsing, in words a person can act on: `line 3, column 14:
    /// invalid value` rather than Foundation's `NSCocoaErrorDomain Code=3840`. Nil when it parses.
    ///
    /// ```swift
    /// ConfigurationError.jsonSyntaxProblem(in: Data("{\n \"a\": x}".utf8))   // "line 2, column 7: invalid value"
    /// ```
    static func jsonSyntaxProblem(in data: Data) -> String? {
        let debug: String
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            debug = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
        }
        let bytes = Array(data)
        var offset = bytes.count
        var reason = debug.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        if let range = reason.range(of: #" around character (\d+)"#, options: .regularExpression) {
            offset = min(bytes.count, Int(reason[range].filter(\.isNumber)) ?? bytes.count)
            reason.removeSubrange(range)
        }
        let before = bytes[..<offset]
        let line = before.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "line \(line), column \(column): \(reason.prefix(1).lowercased() + reason.dropFirst())"
    }
}
