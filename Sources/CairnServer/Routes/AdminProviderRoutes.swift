import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// `/api/admin/providers`: configure model provider instances and test them with a real call;
/// `/api/admin/usage`: tokens by user, provider/model or run.
struct AdminProviderRoutes {
    let providers: ProviderDirectory
    /// Agents that name a provider keep it from being deleted.
    let agents: AgentRegistry
    let breakers: BreakerRegistry
    let usage: UsageRepository
    /// Audit and the emails of the usage-by-user rows.
    let auth: AuthService
    let clock: any WallClock

    struct ProviderBody: Decodable {
        let type: String
        let baseUrl: String?
        let apiKey: String?
        let model: String?
        let timeoutMs: Int?
        let maxRetries: Int?
        let options: JSONValue?
    }

    /// A provider as the API shows it: the key is masked, always.
    struct Shown: Encodable {
        let name: String, type: String, baseUrl: String?, apiKey: String?, apiKeySet: Bool, model: String?
        let timeoutMs: Int, maxRetries: Int, options: JSONValue, breaker: String, builtin: Bool
        init(_ record: ProviderRecord) {
            name = record.name
            type = record.type
            baseUrl = record.baseURL
            apiKey = ProviderDirectory.mask(record.apiKey)
            apiKeySet = !(record.apiKey ?? "").isEmpty
            model = record.model
            timeoutMs = record.timeoutMs
            maxRetries = record.maxRetries
            options = (try? JSONValue.parse(record.options)) ?? [:]
            breaker = ProviderCaller.breakerName(record.name)
            builtin = record == ProviderDirectory.builtinRecord
        }
    }

    struct TestResult: Encodable {
        let ok: Bool, provider: String, model: String, latencyMs: Int
        let reply: String?, usage: [String: Int]?, error: [String: String]?
    }

    /// One usage group: its key fields both flat (as before) and under `key`, a label for
    /// people, and the cost estimate when every provider involved has a price.
    struct UsageRow: Encodable {
        let key: [String: String], label: String, runs: Int, calls: Int, inputTokens: Int, outputTokens: Int, cost: Double?
        enum CodingKeys: CodingKey { case key, label, runs, calls, inputTokens, outputTokens, cost }
        func encode(to encoder: any Encoder) throws {
            var flat = encoder.container(keyedBy: DynamicKey.self)
            for (name, value) in key { try flat.encode(value, forKey: DynamicKey(name)) }
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            try container.encode(label, forKey: .label)
            try container.encode(runs, forKey: .runs)
            try container.encode(calls, forKey: .calls)
            try container.encode(inputTokens, forKey: .inputTokens)
            try container.encode(outputTokens, forKey: .outputTokens)
            try container.encode(cost, forKey: .cost)
        }
    }

    func register(on admin: RouterGroup<CairnRequestContext>) {
        admin.get("/providers") { _, _ in
            try APIJSON.response(Page(items: providers.records.map(Shown.init), nextCursor: nil))
        }
        admin.get("/providers/:name") { _, context in
            let name = context.pathName
            guard let record = providers.record(name) else { throw CairnError.notFound("provider") }
            return try APIJSON.response(Shown(record))
        }
        admin.put("/providers/:name") { request, context in
            let principal = try context.requirePrincipal()
            let name = context.pathName
            let body = try await APIJSON.decode(ProviderBody.self, from: request, context: context)
            if let options = body.options, options.objectValue == nil { throw CairnError.validation(["options": "must be an object"]) }
            let record = ProviderRecord(
                name: name, type: body.type, baseURL: body.baseUrl?.isEmpty == true ? nil : body.baseUrl,
                apiKey: body.apiKey, model: body.model, timeoutMs: body.timeoutMs ?? 60_000, maxRetries: body.maxRetries ?? 2,
                options: (body.options ?? [:]).jsonText, updatedAt: clock.now(), updatedBy: principal.userID.rawValue)
            let (saved, previous) = try await providers.save(record)
            await auth.audit.record(
                "admin.provider_saved", actor: principal.userID.rawValue, target: name, origin: request.origin(context),
                details: [
                    "before": previous.map(Self.summary) ?? "none", "after": Self.summary(saved),
                    "api_key": body.apiKey == nil ? "kept" : "replaced",
                ])
            return try APIJSON.response(Shown(saved), status: previous == nil ? .created : .ok)
        }
        admin.delete("/providers/:name") { request, context in
            let principal = try context.requirePrincipal()
            let name = context.pathName
            let users = agents.all.filter { $0.provider?.contains(name) == true }.map(\.name)
            if !users.isEmpty {
                throw CairnError(
                    .conflict, "agents still use this provider: \(users.joined(separator: ", "))", details: ["agents": users.joined(separator: ",")])
            }
            guard try await providers.delete(name) else { throw CairnError.notFound("provider") }
            breakers.remove(ProviderCaller.breakerName(name))
            await auth.audit.record("admin.provider_deleted", actor: principal.userID.rawValue, target: name, origin: request.origin(context))
            return Response(status: .noContent)
        }
        admin.post("/providers/:name/test") { request, context in
            let principal = try context.requirePrincipal()
            let name = context.pathName
            guard let provider = providers.provider(name) else { throw CairnError.notFound("provider") }
            let result = await Self.test(provider)
            await auth.audit.record(
                "admin.provider_tested", actor: principal.userID.rawValue, target: name, origin: request.origin(context),
                details: ["ok": String(result.ok)])
            return try APIJSON.response(result)
        }
        admin.get("/usage") { request, _ in
            let query = request.uri.queryParameters
            guard let grouping = UsageRepository.Grouping(rawValue: query["group"].map(String.init) ?? "provider") else {
                throw CairnError.validation(["group": "must be one of \(UsageRepository.Grouping.allCases.map(\.rawValue).joined(separator: ", "))"])
            }
            let since = try AdminRunRoutes.date(query["since"], "since")
            let until = try AdminRunRoutes.date(query["until"], "until")
            let totals = try await usage.totals(by: grouping, since: since, until: until)
            let emails = grouping == .user ? try await auth.emails(of: totals.compactMap { $0.key["user_id"].flatMap(UserID.init) }) : [:]
            let prices = Dictionary(providers.records.map { ($0.name, ProviderOptions.storedPrices($0.options, type: $0.type)) }) { $1 }
            let items = totals.map { total in
                let label =
                    switch grouping {
                    case .user: total.key["user_id"].flatMap { UserID($0).flatMap { emails[$0] } ?? $0 } ?? ""
                    case .agent: total.key["agent"] ?? ""
                    case .provider: "\(total.key["provider"] ?? "") · \(total.key["model"] ?? "")"
                    case .day: total.key["day"] ?? ""
                    case .run: total.key["run_id"] ?? ""
                    }
                return UsageRow(
                    key: total.key, label: label, runs: total.runs, calls: total.calls, inputTokens: total.inputTokens,
                    outputTokens: total.outputTokens, cost: Self.cost(total, prices: prices))
            }
            return try APIJSON.response(Page(items: items, nextCursor: nil))
        }
    }

    /// USD: each provider's tokens at its prices; nil when a provider used has no price at all.
    static func cost(_ total: UsageRepository.Total, prices: [String: (input: Double?, output: Double?)]) -> Double? {
        guard !total.byProvider.isEmpty else { return nil }
        var sum = 0.0
        for (provider, tokens) in total.byProvider {
            guard let price = prices[provider], price.input != nil || price.output != nil else { return nil }
            sum += Double(tokens.input) / 1000 * (price.input ?? 0) + Double(tokens.output) / 1000 * (price.output ?? 0)
        }
        return (sum * 1_000_000).rounded() / 1_000_000
    }

    static func summary(_ record: ProviderRecord) -> String {
        "\(record.type) \(record.baseURL ?? "default") model=\(record.model ?? "-") timeout_ms=\(record.timeoutMs) max_retries=\(record.maxRetries)"
    }

    /// A tiny real call, outside the breaker, so an admin can check a provider even while it is open.
    static func test(_ provider: any LLMProvider) async -> TestResult {
        let started = ContinuousClock.now
        let request = ProviderRequest(
            model: nil, messages: [ChatMessage(role: .user, content: "Reply with the single word OK.")], tools: [],
            temperature: 0, maxTokens: 16)
        var reply = ""
        var usage: [String: Int]?
        do {
            for try await chunk in provider.stream(request) {
                switch chunk {
                case .text(let text): reply += text
                case .usage(let input, let output): usage = ["input_tokens": input, "output_tokens": output]
                case .toolCall: break
                }
            }
            return TestResult(
                ok: true, provider: provider.name, model: provider.defaultModel, latencyMs: RunEmitter.milliseconds(since: started),
                reply: String(reply.prefix(200)), usage: usage, error: nil)
        } catch {
            let code = (error as? ProviderError)?.runErrorCode ?? "provider_error"
            return TestResult(
                ok: false, provider: provider.name, model: provider.defaultModel, latencyMs: RunEmitter.milliseconds(since: started),
                reply: nil, usage: nil, error: ["code": code, "message": "\(error)"])
        }
    }
}
