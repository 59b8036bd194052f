import CairnCore
import Configuration
import Foundation
import Yams

/// Where configuration comes from, gathered by the command line. Nothing here reads the process
/// environment by itself: the caller passes it in, so tests build isolated configurations.
public struct ConfigurationSources: Sendable {
    /// Path of a JSON or YAML config file (by extension: .json, .yaml, .yml).
    public var configFile: String?
    /// The environment to read `CAIRN_*` variables from.
    public var environment: [String: String]
    /// Values given as command-line flags, by setting key.
    public var flags: [String: String]
    /// Runtime settings stored in the database, by setting key.
    public var runtime: [String: String]

    public init(configFile: String? = nil, environment: [String: String] = [:], flags: [String: String] = [:], runtime: [String: String] = [:]) {
        self.configFile = configFile
        self.environment = environment
        self.flags = flags
        self.runtime = runtime
    }
}
