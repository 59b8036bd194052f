import CairnCore
import Foundation
import GRDB

/// Runtime settings edited from the console: the top layer of the configuration cascade, and
/// the history of every change (who, when, before, after) so one can be reverted.
///
/// ```swift
/// let settings = SettingsRepository(store.pool)
/// let runtime = try settings.all()                                // the runtime layer, by key
/// try settings.set("auth.registration", "closed", by: admin.rawValue)
/// let history = try await settings.history(key: "auth.registration", before: nil, limit: 20)
/// ```
public struct SettingsRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    /// Every stored runtime setting as key → raw string value.
    public func all() throws -> [String: String] {
        try database.read { db in try Self.all(db) }
    }

    static func all(_ db: Database) throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM settings") {
            result[try row.decode(atIndex: 0)] = try row.decode(atIndex: 1)
        }
        return result
    }

    public func set(_ key: String, _ value: String, by actor: String?, at: Date = Date()) throws {
        try database.write { db in try Self.set(db, key, value, by: actor, at: at) }
    }

    static func set(_ db: Database, _ key: String, _ value: String?, by actor: String?, at: Date) throws {
        guard let value else {
            try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [key])
            return
        }
        try db.execute(
            sql: """
                INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value,
                    updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """,
            arguments: [key, value, at.millis, actor])
    }

    public func remove(_ key: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [key])
        }
    }

    /// Applies runtime overrides (nil removes one) and records each as a history entry, in one
    /// transaction. `resolve` turns the new runtime layer into the effective values, and may
    /// throw to refuse the whole change before anything is stored.
    ///
    ///     let changes = try await repository.apply(["auth.registration": "closed"], by: "usr_…", at: now) {
    ///         try settings.withRuntime($0)
    ///     }
    public func apply(
        _ overrides: [String: String?], by actor: String?, at: Date, revertOf: SettingChangeID? = nil,
        resolve: @escaping @Sendable ([String: String]) throws -> EffectiveSettings
    ) async throws -> (EffectiveSettings, [SettingChange]) {
        try await database.write { db in
            let stored = try Self.all(db)
            var runtime = stored
            for (key, value) in overrides { runtime[key] = value }
            let before = try resolve(stored)
            let after = try resolve(runtime)
            var changes: [SettingChange] = []
            for key in overrides.keys.sorted() {
                let change = SettingChange(
                    id: .generate(now: at), at: at, actor: actor, actorEmail: nil, key: key, before: stored[key],
                    after: runtime[key], effectiveBefore: before.value(forKey: key), effectiveAfter: after.value(forKey: key),
                    revertedFrom: revertOf)
                try Self.set(db, key, runtime[key], by: actor, at: at)
                try db.execute(
                    sql: """
                        INSERT INTO settings_history (id, at, actor, key, before, after, effective_before, effective_after, reverted_from)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        change.id, at.millis, actor, key, change.before, change.after, change.effectiveBefore, change.effectiveAfter, revertOf,
                    ])
                changes.append(change)
            }
            return (after, changes)
        }
    }

    /// History newest first, optionally of one key, paged by id.
    public func history(key: String?, before: SettingChangeID?, limit: Int) async throws -> [SettingChange] {
        try await database.read { db in
            var sql = "SELECT h.*, u.email AS actor_email FROM settings_history h LEFT JOIN users u ON u.id = h.actor WHERE 1 = 1"
            var arguments: StatementArguments = []
            if let key {
                sql += " AND h.key = ?"
                arguments += [key]
            }
            if let before {
                sql += " AND h.id < ?"
                arguments += [before]
            }
            sql += " ORDER BY h.id DESC LIMIT ?"
            arguments += [limit]
            return try SettingChange.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    public func change(_ id: SettingChangeID) async throws -> SettingChange? {
        try await database.read { db in
            try SettingChange.fetchOne(
                db, sql: "SELECT h.*, u.email AS actor_email FROM settings_history h LEFT JOIN users u ON u.id = h.actor WHERE h.id = ?",
                arguments: [id])
        }
    }
}
