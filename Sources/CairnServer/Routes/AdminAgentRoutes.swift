import CairnAgents
import CairnAuth
import CairnCore
import Foundation
import Hummingbird

/// `/api/admin/agents`: list and create-or-replace agent definitions (each PUT is a new version).
struct AdminAgentRoutes {
    let agents: AgentRegistry
    let audit: AuditTrail
    let clock: any WallClock

    /// The request body; `provider` may be one name or a fallback list.
    struct DefinitionBody: Decodable {
        let description: String
        let kind: AgentDefinition.Kind
        let systemPrompt: String?
        let provider: JSONValue?
        let model: String?
        let tools: [String]?
        let maxSteps: Int?
        let temperature: Double?
        let steps: [AgentDefinition.Step]?
    }

    struct Stored: Encodable {
        let name: String, description: String, kind: String, systemPrompt: String?, provider: [String]?, model: String?
        let tools: [String]?, maxSteps: Int?, temperature: Double?, steps: [AgentDefinition.Step]?, version: Int
        init(_ agent: AgentDefinition) {
            name = agent.name
            description = agent.description
            kind = agent.kind.rawValue
            systemPrompt = agent.systemPrompt
            provider = agent.provider
            model = agent.model
            tools = agent.tools
            maxSteps = agent.maxSteps
            temperature = agent.temperature
            steps = agent.steps
            version = agent.version ?? 0
        }
    }

    func register(on admin: RouterGroup<CairnRequestContext>) {
        admin.get("/agents") { _, _ in
            try APIJSON.response(Page(items: agents.all.map(Stored.init), nextCursor: nil))
        }
        admin.put("/agents/:name") { request, context in
            let principal = try context.requirePrincipal()
            let name = context.pathName
            let body = try await APIJSON.decode(DefinitionBody.self, from: request, context: context)
            var providers: [String]?
            switch body.provider {
            case .string(let one)?: providers = [one]
            case .array(let many)?:
                providers = many.compactMap(\.stringValue)
                if providers?.count != many.count { throw CairnError.validation(["provider": "must be a name or a list of names"]) }
            case nil, .null?: providers = nil
            default: throw CairnError.validation(["provider": "must be a name or a list of names"])
            }
            let definition = AgentDefinition(
                name: name, description: body.description, kind: body.kind, systemPrompt: body.systemPrompt,
                provider: providers, model: body.model, tools: body.tools, maxSteps: body.maxSteps,
                temperature: body.temperature, steps: body.steps)
            let previous = agents.definition(name)
            let saved = try await agents.save(definition, by: principal.userID.rawValue, now: clock.now())
            await audit.record(
                "admin.agent_saved", actor: principal.userID.rawValue, target: name, origin: request.origin(context),
                details: ["before_version": previous.map { String($0.version ?? 0) } ?? "none", "after_version": String(saved.version ?? 0)])
            return try APIJSON.response(Stored(saved), status: previous == nil ? .created : .ok)
        }
    }
}
