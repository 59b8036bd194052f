import CairnCore
import Configuration
import Foundation
import Yams

/// Builds `EffectiveSettings` from defaults < file < environment < flags < runtime.
public enum ConfigurationLoader {
    public static func load(_ sources: ConfigurationSources) throws(ConfigurationError) -> EffectiveSettings {
        var layers: [(SettingSource, [String: (String, String)])] = []
        if let path = sources.configFile {
            layers.append((.file, try fileLayer(path: path)))
        }
        layers.append((.env, environmentLayer(sources.environment)))
        layers.append((.flag, sources.flags.mapValues { ($0, "command line") }))
        layers.append((.runtime, sources.runtime.mapValues { ($0, "database") }))
        do {
            return try EffectiveSettings.resolve(layers: layers)
        } catch {
            throw ConfigurationError(description: error.description)
        }
    }

    static func environmentLayer(_ environment: [String: String]) -> [String: (String, String)] {
        let provider = EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "cairn")
        var layer: [String: (String, String)] = [:]
        for definition in SettingsCatalog.all {
            let key = AbsoluteConfigKey(ConfigKey(definition.key))
            if let value = try? provider.value(forKey: key, type: .string).value, case .string(let raw) = value.content {
                layer[definition.key] = (raw, definition.environmentName)
            }
        }
        return layer
    }

    static func fileLayer(path: String) throws(ConfigurationError) -> [String: (String, String)] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(
                description: "invalid configuration: cannot read config file \(path): \((error as NSError).localizedDescription)")
        }
        let lookup: (AbsoluteConfigKey, ConfigType) throws -> LookupResult
        let lower = path.lowercased()
        let yaml = lower.hasSuffix(".yaml") || lower.hasSuffix(".yml")
        do {
            if yaml {
                let snapshot = try YAMLSnapshot(data: data.bytes, providerName: path, parsingOptions: .default)
                lookup = { try snapshot.value(forKey: $0, type: $1) }
            } else {
                let snapshot = try JSONSnapshot(data: data.bytes, providerName: path, parsingOptions: .default)
                lookup = { try snapshot.value(forKey: $0, type: $1) }
            }
        } catch {
            let problem = yaml ? "\(error)" : ConfigurationError.jsonSyntaxProblem(in: data) ?? "\(error)"
            throw ConfigurationError(description: "invalid configuration: config file \(path) is not valid JSON or YAML: \(problem)")
        }
        // A typo (`server: {prot: 9000}`) stops start-up like an unknown `--set` key does.
        if let unknown = fileKeys(data, yaml: yaml).sorted().first(where: { SettingsCatalog.byKey[$0] == nil }) {
            throw ConfigurationError(description: "invalid configuration: \(unknown) in config file \(path): unknown setting")
        }
        var layer: [String: (String, String)] = [:]
        for definition in SettingsCatalog.all {
            let key = AbsoluteConfigKey(ConfigKey(definition.key))
            if let raw = scalarString(key: key, lookup: lookup) {
                layer[definition.key] = (raw, path)
            }
        }
        return layer
    }

    /// Every leaf key of a config file as a dotted path: `{server: {port: 1}}` → `server.port`.
    static func fileKeys(_ data: Data, yaml: Bool) -> [String] {
        let root: Any? = yaml ? (try? Yams.load(yaml: String(decoding: data, as: UTF8.self))) : (try? JSONSerialization.jsonObject(with: data))
        var keys: [String] = []
        func walk(_ value: Any, _ path: String) {
            guard let mapping = value as? [AnyHashable: Any] else {
                if !path.isEmpty { keys.append(path) }
                return
            }
            for (key, child) in mapping { walk(child, path.isEmpty ? "\(key)" : "\(path).\(key)") }
        }
        if let root { walk(root, "") }
        return keys
    }

    /// Reads a scalar whatever its type in the file (JSON numbers are not strings).
    static func scalarString(key: AbsoluteConfigKey, lookup: (AbsoluteConfigKey, ConfigType) throws -> LookupResult) -> String? {
        for type in [ConfigType.string, .int, .double, .bool] {
            guard let result = try? lookup(key, type) else { continue }
            guard let value = result.value else { return nil }
            switch value.content {
            case .string(let text): return text
            case .int(let number): return String(number)
            case .double(let number): return String(number)
            case .bool(let flag): return String(flag)
            default: continue
            }
        }
        return nil
    }
}
