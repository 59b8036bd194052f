import CairnCore
import Foundation
import GRDB

/// Per-user quota overrides, and what a user has used in a UTC day and month (runs started,
/// and model tokens recorded when runs end).
///
/// ```swift
/// let quotas = QuotaRepository(store.pool)
/// try await quotas.setOverride(QuotaLimits(tokensPerDay: 100_000), of: user)   // nil removes it
/// let used = try await quotas.usage(of: user, now: Date())                      // runs and tokens today, this month
/// ```
public struct QuotaRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    /// Every override (one row per user who has one).
    public func allOverrides() async throws -> [UserID: QuotaLimits] {
        try await database.read { db in
            var result: [UserID: QuotaLimits] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT user_id, runs_per_day, tokens_per_day, tokens_per_month FROM user_quotas") {
                result[try row.decode(atIndex: 0)] = QuotaLimits(
                    runsPerDay: try row.decode(atIndex: 1), tokensPerDay: try row.decode(atIndex: 2), tokensPerMonth: try row.decode(atIndex: 3))
            }
            return result
        }
    }

    /// Sets (or, with nil or an empty override, removes) a user's override.
    public func setOverride(_ limits: QuotaLimits?, of user: UserID) async throws {
        try await database.write { db in
            guard let limits, !limits.isEmpty else {
                try db.execute(sql: "DELETE FROM user_quotas WHERE user_id = ?", arguments: [user])
                return
            }
            try db.execute(
                sql: """
                    INSERT INTO user_quotas (user_id, runs_per_day, tokens_per_day, tokens_per_month) VALUES (?, ?, ?, ?)
                    ON CONFLICT(user_id) DO UPDATE SET runs_per_day = excluded.runs_per_day,
                        tokens_per_day = excluded.tokens_per_day, tokens_per_month = excluded.tokens_per_month
                    """, arguments: [user, limits.runsPerDay, limits.tokensPerDay, limits.tokensPerMonth])
        }
    }

    /// Runs started today and tokens used today and this month (UTC), per user.
    public func usage(of users: [UserID], now: Date) async throws -> [UserID: QuotaUsage] {
        guard !users.isEmpty else { return [:] }
        let periods = QuotaPeriods(now: now)
        return try await database.read { db in
            var result: [UserID: QuotaUsage] = [:]
            for user in users {
                let runs =
                    try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM runs WHERE user_id = ? AND created_at >= ?",
                        arguments: [user, periods.dayStart.millis]) ?? 0
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(SUM(CASE WHEN at >= ? THEN input_tokens + output_tokens END), 0) AS today,
                               COALESCE(SUM(input_tokens + output_tokens), 0) AS month
                        FROM model_usage WHERE user_id = ? AND at >= ?
                        """, arguments: [periods.dayStart.millis, user, periods.monthStart.millis])
                result[user] = QuotaUsage(
                    runsToday: runs, tokensToday: try row?.decode(forColumn: "today") ?? 0, tokensMonth: try row?.decode(forColumn: "month") ?? 0)
            }
            return result
        }
    }

    public func usage(of user: UserID, now: Date) async throws -> QuotaUsage {
        try await usage(of: [user], now: now)[user] ?? QuotaUsage()
    }
}
