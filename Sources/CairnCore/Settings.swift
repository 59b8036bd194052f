/// Where an effective configuration value came from, lowest precedence first.
public enum SettingSource: String, Sendable, Comparable, CaseIterable {
    case `default`, file, env, flag, runtime

    public static func < (lhs: SettingSource, rhs: SettingSource) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The shape a setting's value must have.
public enum SettingKind: Sendable {
    case string
    case integer(ClosedRange<Int>)
    case choice([String])
    case boolean

    /// Returns the canonical form of `raw`, or a sentence saying what is wrong.
    public func validate(_ raw: String) -> Result<String, SettingProblem> {
        switch self {
        case .string:
            return .success(raw)
        case .integer(let range):
            guard let value = Int(raw.trimmingWhitespace()), range.contains(value) else {
                return .failure(SettingProblem("must be an integer between \(range.lowerBound) and \(range.upperBound)"))
            }
            return .success(String(value))
        case .choice(let options):
            let lowered = raw.trimmingWhitespace().lowercased()
            guard options.contains(lowered) else {
                return .failure(SettingProblem("must be one of \(options.joined(separator: ", "))"))
            }
            return .success(lowered)
        case .boolean:
            switch raw.trimmingWhitespace().lowercased() {
            case "true", "1", "yes", "on": return .success("true")
            case "false", "0", "no", "off": return .success("false")
            default: return .failure(SettingProblem("must be true or false"))
            }
        }
    }
}

/// Why a value was rejected.
public struct SettingProblem: Error, Sendable, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// One configuration key: its default, its shape and how it may be changed.
public struct SettingDefinition: Sendable {
    public let key: String
    public let defaultValue: String
    public let kind: SettingKind
    public let secret: Bool
    /// May be changed at runtime from the console (stored in the database).
    public let runtime: Bool
    public let summary: String

    public init(_ key: String, _ defaultValue: String, _ kind: SettingKind, secret: Bool = false, runtime: Bool = false, _ summary: String) {
        self.key = key
        self.defaultValue = defaultValue
        self.kind = kind
        self.secret = secret
        self.runtime = runtime
        self.summary = summary
    }

    /// The part of the key before its first dot: `auth.registration` → `auth`.
    public var section: String { String(key.prefix { $0 != "." }) }

    /// `server.port` → `CAIRN_SERVER_PORT`.
    public var environmentName: String {
        "CAIRN_" + key.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
