/// One layer of the configuration cascade: key → (raw value, origin).
public typealias SettingLayer = (source: SettingSource, values: [String: (String, String)])

/// The configuration a component receives: every key resolved, validated and traceable.
public struct EffectiveSettings: Sendable {
    public let values: [String: EffectiveSetting]
    /// The layers below the runtime one (file, env, flags), kept so a runtime change can be
    /// applied, or dropped, without a restart.
    public let staticLayers: [SettingLayer]

    public init(values: [String: EffectiveSetting], staticLayers: [SettingLayer] = []) {
        self.values = values
        self.staticLayers = staticLayers
    }

    /// The same static layers under a new runtime layer (key → raw value), e.g.
    /// `try settings.withRuntime(["auth.registration": "closed"])`.
    public func withRuntime(_ runtime: [String: String]) throws(InvalidSetting) -> EffectiveSettings {
        try Self.resolve(layers: staticLayers + [(.runtime, runtime.mapValues { ($0, "database") })])
    }

    /// Resolves every catalog key from layers given lowest precedence first. Each layer maps a
    /// key to `(raw value, origin)`. Throws the first invalid value, naming key and source.
    public static func resolve(layers: [SettingLayer]) throws(InvalidSetting) -> EffectiveSettings {
        var values: [String: EffectiveSetting] = [:]
        for definition in SettingsCatalog.all {
            var chosen = EffectiveSetting(value: definition.defaultValue, source: .default, origin: "built-in")
            for (source, layer) in layers {
                guard let (raw, origin) = layer[definition.key] else { continue }
                if source == .runtime && !definition.runtime { continue }
                switch definition.kind.validate(raw) {
                case .success(let canonical):
                    chosen = EffectiveSetting(value: canonical, source: source, origin: origin)
                case .failure(let problem):
                    throw InvalidSetting(
                        key: definition.key, value: definition.secret ? "********" : raw,
                        source: source, origin: origin, reason: problem.reason)
                }
            }
            values[definition.key] = chosen
        }
        return EffectiveSettings(values: values, staticLayers: layers.filter { $0.source != .runtime })
    }

    /// A setting's value, typed by its key: `settings[.serverPort]` is an `Int`.
    public subscript(_ setting: Setting<String>) -> String { value(forKey: setting.key) }
    public subscript(_ setting: Setting<Int>) -> Int {
        guard let value = Int(value(forKey: setting.key)) else { preconditionFailure("setting \(setting.key) is not an integer") }
        return value
    }
    public subscript(_ setting: Setting<Bool>) -> Bool { value(forKey: setting.key) == "true" }

    /// A value by its key as text, for code that walks the catalogue (the console's settings
    /// page, history); everything else reads a typed `Setting`.
    public func value(forKey key: String) -> String {
        guard let setting = values[key] else { preconditionFailure("unknown setting \(key)") }
        return setting.value
    }

    /// The value for display: secrets that are set show as `********`.
    public func masked(_ key: String) -> String {
        let value = value(forKey: key)
        if SettingsCatalog.byKey[key]?.secret == true && !value.isEmpty { return "********" }
        return value
    }
}
