import CairnCore
import Foundation
import GRDB

/// Tokens used by every model call, per run, user, provider and model.
///
/// ```swift
/// let usage = UsageRepository(store.pool)
/// let perDay = try await usage.totals(by: .day, since: Date().addingTimeInterval(-7 * 86_400))
/// let oneUser = try await usage.totals(by: .provider, since: nil, userID: user)
/// ```
public struct UsageRepository: Sendable {
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    /// Written with the run's end (`RunRepository.finish`), in the same transaction.
    static func insert(_ db: Database, runID: RunID, userID: UserID, calls: [ModelCallUsage], now: Date) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO model_usage (run_id, user_id, provider, model, input_tokens, output_tokens, at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        for call in calls {
            try statement.execute(arguments: [
                runID.rawValue, userID.rawValue, call.provider, call.model, call.inputTokens, call.outputTokens, now.millis,
            ])
        }
    }

    /// One group's totals; `byProvider` splits the tokens per provider for cost estimates.
    public struct Total: Sendable, Equatable {
        public let key: [String: String]
        public var runs: Int
        public var calls: Int, inputTokens: Int, outputTokens: Int
        public var byProvider: [String: (input: Int, output: Int)]

        public static func == (lhs: Total, rhs: Total) -> Bool {
            lhs.key == rhs.key && lhs.runs == rhs.runs && lhs.calls == rhs.calls && lhs.inputTokens == rhs.inputTokens
                && lhs.outputTokens == rhs.outputTokens
        }
    }

    /// How totals are grouped: by user, agent, provider (and model), UTC day, or run.
    public enum Grouping: String, Sendable, CaseIterable { case user, agent, provider, day, run }

    /// Token and run totals per group between `since` and `until` (model calls count at the
    /// end of their run; runs count when they were created), largest first, at most 1,000 groups.
    public func totals(by grouping: Grouping, since: Date?, until: Date? = nil, userID: UserID? = nil) async throws -> [Total] {
        let columns: [(name: String, usage: String, runs: String?)] =
            switch grouping {
            case .user: [("user_id", "m.user_id", "r.user_id")]
            case .agent: [("agent", "r.agent", "r.agent")]
            case .provider: [("provider", "m.provider", nil), ("model", "m.model", nil)]
            case .day: [("day", "strftime('%Y-%m-%d', m.at / 1000, 'unixepoch')", "strftime('%Y-%m-%d', r.created_at / 1000, 'unixepoch')")]
            case .run: [("run_id", "m.run_id", nil), ("provider", "m.provider", nil), ("model", "m.model", nil)]
            }
        var usageSQL =
            "SELECT \(columns.map { "\($0.usage) AS \($0.name)" }.joined(separator: ", ")), m.provider AS price_provider, "
            + "COUNT(*) AS calls, COUNT(DISTINCT m.run_id) AS runs, SUM(m.input_tokens) AS input, SUM(m.output_tokens) AS output "
            + "FROM model_usage m JOIN runs r ON r.id = m.run_id WHERE 1 = 1"
        var usageArguments: StatementArguments = []
        if let since {
            usageSQL += " AND m.at >= ?"
            usageArguments += [since.millis]
        }
        if let until {
            usageSQL += " AND m.at <= ?"
            usageArguments += [until.millis]
        }
        if let userID {
            usageSQL += " AND m.user_id = ?"
            usageArguments += [userID]
        }
        usageSQL += " GROUP BY \(columns.map(\.usage).joined(separator: ", ")), m.provider"
        // Runs per group from the runs themselves (a run that made no model call counts too).
        var runsSQL: String?
        var runsArguments: StatementArguments = []
        if columns.allSatisfy({ $0.runs != nil }) {
            var sql = "SELECT \(columns.map { "\($0.runs!) AS \($0.name)" }.joined(separator: ", ")), COUNT(*) AS runs FROM runs r WHERE 1 = 1"
            if let since {
                sql += " AND r.created_at >= ?"
                runsArguments += [since.millis]
            }
            if let until {
                sql += " AND r.created_at <= ?"
                runsArguments += [until.millis]
            }
            if let userID {
                sql += " AND r.user_id = ?"
                runsArguments += [userID]
            }
            runsSQL = sql + " GROUP BY \(columns.compactMap(\.runs).joined(separator: ", "))"
        }
        let names = columns.map(\.name)
        return try await database.read { [usageSQL, usageArguments, runsSQL, runsArguments] db in
            var totals: [[String: String]: Total] = [:]
            func key(_ row: Row) -> [String: String] {
                Dictionary(uniqueKeysWithValues: names.map { ($0, (row[$0] as String?) ?? "") })
            }
            for row in try Row.fetchAll(db, sql: usageSQL, arguments: usageArguments) {
                let group = key(row)
                var total = totals[group] ?? Total(key: group, runs: 0, calls: 0, inputTokens: 0, outputTokens: 0, byProvider: [:])
                let input: Int = try row.decode(forColumn: "input")
                let output: Int = try row.decode(forColumn: "output")
                total.calls += try row.decode(Int.self, forColumn: "calls")
                total.inputTokens += input
                total.outputTokens += output
                if runsSQL == nil { total.runs += try row.decode(Int.self, forColumn: "runs") }
                let provider: String = try row.decode(forColumn: "price_provider")
                let previous = total.byProvider[provider] ?? (0, 0)
                total.byProvider[provider] = (previous.input + input, previous.output + output)
                totals[group] = total
            }
            if let runsSQL {
                for row in try Row.fetchAll(db, sql: runsSQL, arguments: runsArguments) {
                    let group = key(row)
                    var total = totals[group] ?? Total(key: group, runs: 0, calls: 0, inputTokens: 0, outputTokens: 0, byProvider: [:])
                    total.runs = try row.decode(forColumn: "runs")
                    totals[group] = total
                }
            }
            return Array(
                totals.values.sorted {
                    ($0.inputTokens + $0.outputTokens, $0.runs, $1.key.description) > ($1.inputTokens + $1.outputTokens, $1.runs, $0.key.description)
                }.prefix(1000))
        }
    }
}
