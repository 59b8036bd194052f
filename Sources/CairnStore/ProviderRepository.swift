import Foundation
import GRDB

/// A configured model provider instance as stored. `apiKey` never leaves the server unmasked.
public struct ProviderRecord: Sendable, Equatable {
    public var name: String
    public var type: String
    public var baseURL: String?
    public var apiKey: String?
    public var model: String?
    public var timeoutMs: Int
    public var maxRetries: Int
    /// A JSON object of type-specific options.
    public var options: String
    public var updatedAt: Date
    public var updatedBy: String?

    public init(name: String, type: String, baseURL: String?, apiKey: String?, model: String?, timeoutMs: Int, maxRetries: Int,
                options: String, updatedAt: Date, updatedBy: String?) {
        self.name = name
        self.type = type
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.timeoutMs = timeoutMs
        self.maxRetries = maxRetries
        self.options = options
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }

    init(row: Row) {
        self.init(name: row["name"], type: row["type"], baseURL: row["base_url"], apiKey: row["api_key"], model: row["model"],
                  timeoutMs: row["timeout_ms"], maxRetries: row["max_retries"], options: row["options"],
                  updatedAt: Date(millis: row["updated_at"]), updatedBy: row["updated_by"])
    }
}

/// Provider instances configured at runtime.
public struct ProviderRepository: Sendable {
    let store: Store
    public init(store: Store) { self.store = store }

    public func all() async throws -> [ProviderRecord] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM providers ORDER BY name").map(ProviderRecord.init(row:))
        }
    }

    /// Creates or replaces; returns the previous record.
    public func save(_ record: ProviderRecord) async throws -> ProviderRecord? {
        try await store.pool.write { db in
            let previous = try Row.fetchOne(db, sql: "SELECT * FROM providers WHERE name = ?", arguments: [record.name]).map(ProviderRecord.init(row:))
            try db.execute(sql: """
                INSERT INTO providers (name, type, base_url, api_key, model, timeout_ms, max_retries, options, updated_at, updated_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET type = excluded.type, base_url = excluded.base_url, api_key = excluded.api_key,
                    model = excluded.model, timeout_ms = excluded.timeout_ms, max_retries = excluded.max_retries,
                    options = excluded.options, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, arguments: [record.name, record.type, record.baseURL, record.apiKey, record.model, record.timeoutMs, record.maxRetries,
                                 record.options, record.updatedAt.millis, record.updatedBy])
            return previous
        }
    }

    /// Removes a provider; returns whether it existed.
    public func delete(name: String) async throws -> Bool {
        try await store.pool.write { db in
            try db.execute(sql: "DELETE FROM providers WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }
}

/// The tokens of one model call.
public struct ModelCallUsage: Sendable, Equatable {
    public let provider: String, model: String
    public let inputTokens: Int, outputTokens: Int
    public init(provider: String, model: String, inputTokens: Int, outputTokens: Int) {
        self.provider = provider
        self.model = model
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

