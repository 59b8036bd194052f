import CairnCore
import Foundation
import GRDB

/// Provider instances configured at runtime.
///
/// ```swift
/// let providers = ProviderRepository(store: store)
/// let previous = try await providers.save(record)       // the record it replaced, nil when new
/// let all = try await providers.all()
/// let deleted = try await providers.delete(name: "openai")
/// ```
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
            let previous = try Row.fetchOne(db, sql: "SELECT * FROM providers WHERE name = ?", arguments: [record.name]).map(
                ProviderRecord.init(row:))
            try db.execute(
                sql: """
                    INSERT INTO providers (name, type, base_url, api_key, model, timeout_ms, max_retries, options, updated_at, updated_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET type = excluded.type, base_url = excluded.base_url, api_key = excluded.api_key,
                        model = excluded.model, timeout_ms = excluded.timeout_ms, max_retries = excluded.max_retries,
                        options = excluded.options, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                    """,
                arguments: [
                    record.name, record.type, record.baseURL, record.apiKey, record.model, record.timeoutMs, record.maxRetries,
                    record.options, record.updatedAt.millis, record.updatedBy,
                ])
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
