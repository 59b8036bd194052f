/// One resolved value and the layer it came from.
public struct EffectiveSetting: Sendable, Equatable {
    public let value: String
    public let source: SettingSource
    /// The name the source used, e.g. `CAIRN_SERVER_PORT` or `--port`.
    public let origin: String
}
