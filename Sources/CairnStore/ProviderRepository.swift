import CairnCore
import Foundation
import GRDB

/// Provider instances configured at runtime.
///
/// ```swift
/// let providers = ProviderRepository(store.pool)
/// let previous = try await providers.save(record)       // the record it replaced, nil when new
/// let all = try await providers.all()
/// let deleted = try await providers.delete(name: "openai")
/// ```
public struct ProviderRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    public func all() async throws -> [ProviderRecord] {
        try await database.read { db in
            try ProviderRecord.order(Column("name")).fetchAll(db)
        }
    }

    /// Creates or replaces; returns the previous record.
    public func save(_ record: ProviderRecord) async throws -> ProviderRecord? {
        try await database.write { db in
            let previous = try ProviderRecord.fetchOne(db, key: record.name)
            try record.upsert(db)
            return previous
        }
    }

    /// Removes a provider; returns whether it existed.
    public func delete(name: String) async throws -> Bool {
        try await database.write { db in
            try ProviderRecord.deleteOne(db, key: name)
        }
    }
}
