import CairnCore
import CairnStore
import Foundation
import Synchronization

/// The provider instances runs may use: the built-in `offline` model plus every instance an
/// admin configured (stored in the database, so they survive restarts and travel with backups).
public final class ProviderDirectory: Sendable {
    public static let types = ["openai", "anthropic", "offline"]
    static let builtinName = "offline"

    private let repository: ProviderRepository
    private let builtin: OfflineProvider
    private let state = Mutex<(records: [String: ProviderRecord], instances: [String: any LLMProvider])>(([:], [:]))

    public init(repository: ProviderRepository, offlineChunkDelay: @escaping @Sendable () -> Duration) {
        self.repository = repository
        builtin = OfflineProvider(name: Self.builtinName, chunkDelay: offlineChunkDelay)
    }

    public func load() async throws {
        var records: [String: ProviderRecord] = [:]
        var instances: [String: any LLMProvider] = [:]
        for record in try await repository.all() {
            records[record.name] = record
            instances[record.name] = Self.instance(record)
        }
        state.withLock { $0 = (records, instances) }
    }

    public func provider(_ name: String) -> (any LLMProvider)? {
        state.withLock { $0.instances[name] } ?? (name == Self.builtinName ? builtin : nil)
    }

    /// How the built-in offline provider is listed while no stored record replaces it.
    public static let builtinRecord = ProviderRecord(
        name: builtinName, type: "offline", baseURL: nil, apiKey: nil, model: OfflineProvider.modelName,
        timeoutMs: 60_000, maxRetries: 0, options: "{}", updatedAt: Date(timeIntervalSince1970: 0), updatedBy: nil)

    /// The stored records, plus the built-in offline provider when no record replaces it.
    public var records: [ProviderRecord] {
        var records = state.withLock { $0.records }
        if records[Self.builtinName] == nil { records[Self.builtinName] = Self.builtinRecord }
        return records.values.sorted { $0.name < $1.name }
    }

    public func record(_ name: String) -> ProviderRecord? {
        records.first { $0.name == name }
    }

    /// How many times a failed call to `name` is retried before falling back.
    func maxRetries(_ name: String) -> Int {
        min(10, max(0, state.withLock { $0.records[name]?.maxRetries } ?? 0))
    }

    /// Validates and stores a provider; an omitted API key keeps the stored one. Returns the
    /// saved record and the previous one.
    public func save(_ record: ProviderRecord) async throws -> (saved: ProviderRecord, previous: ProviderRecord?) {
        try Self.validate(record)
        var record = record
        if record.apiKey == nil, let stored = state.withLock({ $0.records[record.name] }), !(stored.apiKey ?? "").isEmpty {
            // A key is never sent to a destination it was not given for.
            guard Self.destination(stored) == Self.destination(record) else {
                throw CairnError.validation(["api_key": "must be given again: base_url now points to another host"])
            }
            record.apiKey = stored.apiKey
        }
        let previous = try await repository.save(record)
        let saved = record
        state.withLock {
            $0.records[saved.name] = saved
            $0.instances[saved.name] = Self.instance(saved)
        }
        return (saved, previous)
    }

    public func delete(_ name: String) async throws -> Bool {
        let removed = try await repository.delete(name: name)
        state.withLock {
            $0.records[name] = nil
            $0.instances[name] = nil
        }
        return removed
    }

    static func validate(_ record: ProviderRecord) throws {
        var problems: [String: String] = [:]
        let name = record.name
        if name.isEmpty || name.count > 64 || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") })
        {
            problems["name"] = "must be 1-64 letters, digits, '_', '-' or '.'"
        }
        if !types.contains(record.type) { problems["type"] = "must be one of \(types.joined(separator: ", "))" }
        if let base = record.baseURL {
            if let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil {
                // fine
            } else {
                problems["base_url"] = "must be an absolute http or https URL"
            }
        }
        if record.type != "offline", (record.model ?? "").isEmpty { problems["model"] = "is required: the model used when an agent names none" }
        if !(100...600_000).contains(record.timeoutMs) { problems["timeout_ms"] = "must be between 100 and 600000" }
        if !(0...10).contains(record.maxRetries) { problems["max_retries"] = "must be between 0 and 10" }
        if let key = record.apiKey, key.utf8.count > 4096 { problems["api_key"] = "must be at most 4096 bytes" }
        if let model = record.model, model.utf8.count > 200 { problems["model"] = "must be at most 200 bytes" }
        if let base = record.baseURL, base.utf8.count > 2000 { problems["base_url"] = "must be at most 2000 bytes" }
        if types.contains(record.type) {
            do {
                _ = try ProviderOptions.decode((try? JSONValue.parse(record.options)) ?? .null, type: record.type)
            } catch {
                problems.merge(error.details ?? [:]) { first, _ in first }
            }
        }
        if !problems.isEmpty { throw CairnError.validation(problems) }
    }

    static func instance(_ record: ProviderRecord) -> any LLMProvider {
        let options = ProviderOptions.stored(record.options, type: record.type)
        let timeout = Duration.milliseconds(min(600_000, max(100, record.timeoutMs)))
        switch record.type {
        case "openai":
            return OpenAIProvider(
                name: record.name, baseURL: record.baseURL, apiKey: record.apiKey, model: record.model ?? "", timeout: timeout, options: options)
        case "anthropic":
            return AnthropicProvider(
                name: record.name, baseURL: record.baseURL, apiKey: record.apiKey, model: record.model ?? "", timeout: timeout, options: options)
        default:
            let delay = Duration.milliseconds(options.chunkDelayMs)
            return OfflineProvider(name: record.name, chunkDelay: { delay })
        }
    }

    /// Scheme, host and port a provider's requests go to (the type's default when no base URL is set).
    static func destination(_ record: ProviderRecord) -> String {
        let base = record.baseURL ?? (record.type == "anthropic" ? AnthropicProvider.defaultBaseURL : OpenAIProvider.defaultBaseURL)
        guard let url = URL(string: base) else { return base }
        let scheme = url.scheme?.lowercased() ?? ""
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// A key as it may be shown: the last four characters of a long key, nothing of a short one.
    public static func mask(_ key: String?) -> String? {
        guard let key, !key.isEmpty else { return nil }
        return key.count >= 16 ? "****" + key.suffix(4) : "****"
    }
}
