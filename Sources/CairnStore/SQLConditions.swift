import GRDB

/// The optional filters of a list query: each value that is present adds ` AND <condition>`
/// and its argument, in order; absent ones add nothing.
///
/// ```swift
/// var conditions = SQLConditions()
/// conditions.add("action = ?", query.action)          // skipped when nil
/// conditions.add("at >= ?", query.since?.millis)
/// let sql = "SELECT * FROM audit_log WHERE 1 = 1" + conditions.sql + " ORDER BY id DESC LIMIT ?"
/// let rows = try Row.fetchAll(db, sql: sql, arguments: conditions.arguments + [limit])
/// ```
struct SQLConditions {
    private(set) var sql = ""
    private(set) var arguments: StatementArguments = []

    mutating func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
        guard let value else { return }
        sql += " AND " + condition
        arguments += [value]
    }

    /// `column IN (?, …)` over `values`; nothing when there are none.
    mutating func add(_ column: String, in values: [some DatabaseValueConvertible]) {
        guard !values.isEmpty else { return }
        sql += " AND \(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ",")))"
        arguments += StatementArguments(values)
    }
}
