/// A configuration value that failed validation; `description` is the one line shown to operators.
public struct InvalidSetting: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let value: String
    public let source: SettingSource
    public let origin: String
    public let reason: String

    public var description: String {
        "invalid configuration: \(key) = \"\(value)\" from \(source.rawValue) (\(origin)): \(reason)"
    }
}
