import CairnCore

/// How an agent behaves. Built-in agents are defined in code; admins store more (versioned).
public struct AgentDefinition: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case chat, pipeline }

    public struct Step: Sendable, Codable, Equatable {
        public var agent: String
        public var continueOnError: Bool?

        public init(agent: String, continueOnError: Bool? = nil) {
            self.agent = agent
            self.continueOnError = continueOnError
        }
    }

    public var name: String
    public var description: String
    public var kind: Kind
    public var systemPrompt: String?
    /// Provider names, first preferred.
    public var provider: [String]?
    public var model: String?
    public var tools: [String]?
    public var maxSteps: Int?
    public var temperature: Double?
    public var steps: [Step]?
    /// Set when loaded; 0 for built-ins.
    public var version: Int?

    public init(
        name: String, description: String, kind: Kind, systemPrompt: String? = nil, provider: [String]? = nil, model: String? = nil,
        tools: [String]? = nil, maxSteps: Int? = nil, temperature: Double? = nil, steps: [Step]? = nil, version: Int? = nil
    ) {
        self.name = name
        self.description = description
        self.kind = kind
        self.systemPrompt = systemPrompt
        self.provider = provider
        self.model = model
        self.tools = tools
        self.maxSteps = maxSteps
        self.temperature = temperature
        self.steps = steps
        self.version = version
    }

    /// Problems with this definition, by field; empty when it is usable.
    public func problems(knownAgents: Set<String>, knownTools: Set<String>) -> [String: String] {
        var problems: [String: String] = [:]
        if name.isEmpty || name.count > 64 || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
            problems["name"] = "must be 1-64 letters, digits, '_' or '-'"
        }
        var checks = FieldChecks()
        _ = checks.text("description", description, maxBytes: 2_000)
        _ = checks.text("system_prompt", systemPrompt, maxBytes: 32_768)
        _ = checks.text("model", model, maxBytes: 200)
        if (provider?.count ?? 0) > 10 || provider?.contains(where: { $0.isEmpty || $0.utf8.count > 64 }) == true {
            checks.fail("provider", "must be at most 10 provider names of 1-64 bytes")
        }
        if (tools?.count ?? 0) > 50 { checks.fail("tools", "must name at most 50 tools") }
        if (steps?.count ?? 0) > 20 { checks.fail("steps", "must have at most 20 steps") }
        problems.merge(checks.problems) { first, _ in first }
        if let maxSteps, !(1...50).contains(maxSteps) { problems["max_steps"] = "must be between 1 and 50" }
        if let temperature, !(0...2).contains(temperature) { problems["temperature"] = "must be between 0 and 2" }
        if let unknown = tools?.first(where: { !knownTools.contains($0) }) { problems["tools"] = "unknown tool '\(unknown)'" }
        if kind == .pipeline {
            if steps?.isEmpty ?? true { problems["steps"] = "a pipeline needs at least one step" }
            if let unknown = steps?.first(where: { !knownAgents.contains($0.agent) || $0.agent == name }) {
                problems["steps"] = "unknown or recursive step agent '\(unknown.agent)'"
            }
        }
        return problems
    }
}
