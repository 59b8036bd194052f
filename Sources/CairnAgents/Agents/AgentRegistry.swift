import CairnCore
import CairnStore
import Foundation
import Synchronization

/// Every agent a run may use: the built-ins, overridden or extended by admin-saved versions.
public final class AgentRegistry: Sendable {
    private let stored = Mutex<[String: AgentDefinition]>([:])
    private let repository: AgentRepository
    private let toolNames: Set<String>

    public init(repository: AgentRepository, toolNames: Set<String>) {
        self.repository = repository
        self.toolNames = toolNames
    }

    public static let builtins: [AgentDefinition] = {
        let allTools = BuiltinTools.all.map(\.name).filter { $0 != "http_get" }.filter { $0 != "http_get" }
        func step(_ name: String, _ job: String) -> AgentDefinition {
            AgentDefinition(
                name: name, description: "Supervisor step: \(job).", kind: .chat,
                systemPrompt: "Pipeline step '\(name)': \(job). Answer with a short structured summary.", maxSteps: 2, version: 0)
        }
        return [
            AgentDefinition(
                name: "assistant", description: "General assistant with calculator, time, memory and message search.",
                kind: .chat, systemPrompt: "You are Cairn's assistant. Use tools when they help.", tools: allTools, maxSteps: 6, version: 0),
            step("triage", "classify the request and decide which later steps are needed"),
            step("data", "collect the facts the request depends on"),
            step("optimization", "propose improvements"),
            step("actions", "list concrete next actions"),
            step("reporting", "write the final report for the user"),
            AgentDefinition(
                name: "supervisor", description: "Pipeline triage → data → optimization → actions → reporting.",
                kind: .pipeline, steps: ["triage", "data", "optimization", "actions", "reporting"].map { AgentDefinition.Step(agent: $0) },
                version: 0),
        ]
    }()

    /// Loads admin-saved definitions from the database.
    public func load() async throws {
        var loaded: [String: AgentDefinition] = [:]
        for (name, (version, json)) in try await repository.latest() {
            guard var definition = try? JSONDecoder().decode(AgentDefinition.self, from: Data(json.utf8)) else { continue }
            definition.version = version
            loaded[name] = definition
        }
        stored.withLock { $0 = loaded }
    }

    public func definition(_ name: String) -> AgentDefinition? {
        stored.withLock { $0[name] } ?? Self.builtins.first { $0.name == name }
    }

    public var all: [AgentDefinition] {
        let saved = stored.withLock { $0 }
        var merged = Dictionary(uniqueKeysWithValues: Self.builtins.map { ($0.name, $0) })
        merged.merge(saved) { $1 }
        return merged.values.sorted { $0.name < $1.name }
    }

    /// A path of pipeline steps that leads back to `definition`, if saving it would create one.
    func cycle(through definition: AgentDefinition) -> [String]? {
        func visit(_ name: String, _ path: [String]) -> [String]? {
            if name == definition.name, !path.isEmpty { return path + [name] }
            if path.contains(name) { return nil }
            let steps = name == definition.name ? definition.steps : self.definition(name)?.steps
            for step in steps ?? [] {
                if let found = visit(step.agent, path + [name]) { return found }
            }
            return nil
        }
        return visit(definition.name, [])
    }

    /// Validates and stores a new version; returns it with its version number.
    public func save(_ definition: AgentDefinition, by actor: String?, now: Date) async throws -> AgentDefinition {
        let known = Set(all.map(\.name)).union([definition.name])
        var problems = definition.problems(knownAgents: known, knownTools: toolNames)
        if problems.isEmpty, let cycle = cycle(through: definition) {
            problems["steps"] = "steps would loop: " + cycle.joined(separator: " → ")
        }
        if !problems.isEmpty { throw CairnError.validation(problems) }
        var stored = definition
        stored.version = nil
        let json = String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
        stored.version = try await repository.save(name: definition.name, definition: json, by: actor, now: now)
        let saved = stored
        self.stored.withLock { $0[saved.name] = saved }
        return saved
    }
}
