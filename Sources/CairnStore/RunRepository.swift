import CairnCore
import Foundation
import GRDB

/// Runs, their event log and pipeline step outputs.
///
/// What every run passes through (`create`, `write`, `finish`) uses cached statements with
/// plain-text arguments rather than Codable records and typed arguments: measured side by side
/// (`make bench`, one user's sequential chats), those cost about a tenth more server CPU per run.
///
/// ```swift
/// // Runs are written through `RunLog` (CairnAgents), which batches these calls.
/// let runs = RunRepository(store.pool)
/// let run = try await runs.create(newRun, openingEvents: [opening], now: Date())
/// try await runs.write([.event(event)])                                     // one group commit
/// let events = try await runs.events(runID: run.id, userID: run.userID, after: 0)   // nil: not this user's run
/// ```
public struct RunRepository: Sendable {
    /// The most events one read of a run's log returns.
    public static let eventPage = 10_000
    let database: any DatabaseWriter
    public init(_ database: any DatabaseWriter) { self.database = database }

    /// Stores the user's message, the queued run and its first events (`run_status queued`) in
    /// one transaction: a run never exists without its opening event, whatever moment a crash
    /// picks. Returns the run as stored, without reading it back.
    public func create(_ new: NewRun, openingEvents: [RunEvent] = [], now: Date) async throws -> RunRecord {
        let run = RunRecord(
            id: new.runID, threadID: new.threadID, userID: new.userID, agent: new.agent, agentVersion: new.agentVersion,
            status: .queued, input: new.input, resumedFrom: new.resumedFrom, createdAt: Date(millis: now.millis))
        let message = MessageRecord(id: new.messageID, threadID: new.threadID, role: .user, content: new.input, runID: new.runID, createdAt: now)
        try await database.write { db in
            if let title = new.createThreadTitle {
                try ThreadRepository.insertThread(db, id: new.threadID, userID: new.userID, title: title, agent: new.agent, now: now)
            }
            guard try ThreadRepository.thread(db, id: new.threadID, userID: new.userID) != nil else {
                throw CairnError.notFound("thread")
            }
            try ThreadRepository.insertMessage(db, message, userID: new.userID)
            try db.cachedStatement(
                sql: """
                    INSERT INTO runs (id, thread_id, user_id, agent, agent_version, status, input, resumed_from, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                run.id.rawValue, run.threadID.rawValue, run.userID.rawValue, run.agent, run.agentVersion, run.status.rawValue, run.input,
                run.resumedFrom?.rawValue, run.createdAt.millis,
            ])
            try Self.insert(db, openingEvents)
        }
        return run
    }

    public func run(id: RunID, userID: UserID) async throws -> RunRecord? {
        try await database.read { db in
            try RunRecord.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM runs WHERE id = ? AND user_id = ?"), arguments: [id.rawValue, userID.rawValue])
        }
    }

    /// Applies a run log's group commit in one transaction, in order: events of many runs,
    /// runs starting, pipeline steps and runs ending.
    public func write(_ writes: [RunLogWrite]) async throws {
        guard !writes.isEmpty else { return }
        try await database.write { db in
            for write in writes {
                switch write {
                case .event(let event): try Self.insert(db, [event])
                case .started(let id, let at):
                    try db.cachedStatement(sql: "UPDATE runs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'")
                        .execute(arguments: [at.millis, id.rawValue])
                case .step(let step):
                    try db.cachedStatement(sql: "INSERT OR REPLACE INTO run_steps (run_id, step, agent, status, output) VALUES (?, ?, ?, ?, ?)")
                        .execute(arguments: [step.runID.rawValue, step.index, step.agent, step.status.rawValue, step.output])
                case .finish(let finish): try Self.finish(db, finish)
                }
            }
        }
    }

    static func insert(_ db: Database, _ events: [RunEvent]) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO run_events (run_id, seq, type, agent, payload, at) VALUES (?, ?, ?, ?, ?, ?)")
        for event in events {
            try statement.execute(arguments: [event.runID.rawValue, event.seq, event.type.rawValue, event.agent, event.payloadJSON, event.at.millis])
        }
    }

    /// Writes the closing events, the assistant message and the final status in one transaction,
    /// so `run_completed` and the answer exist together or not at all.
    public func finish(_ finish: RunFinish) async throws {
        try await database.write { db in try Self.finish(db, finish) }
    }

    static func finish(_ db: Database, _ finish: RunFinish) throws {
        let outcome = finish.outcome
        try insert(db, finish.closingEvents)
        if let message = outcome.assistantMessage {
            try ThreadRepository.insertMessage(db, message, userID: finish.userID)
        }
        try UsageRepository.insert(db, runID: finish.runID, userID: finish.userID, calls: outcome.calls, now: finish.at)
        try db.cachedStatement(
            sql: """
                UPDATE runs SET status = ?, error_code = ?, error_message = ?, input_tokens = ?, output_tokens = ?, finished_at = ?
                WHERE id = ?
                """
        ).execute(arguments: [
            outcome.status.rawValue, outcome.errorCode, outcome.errorMessage, outcome.inputTokens, outcome.outputTokens, finish.at.millis,
            finish.runID.rawValue,
        ])
    }

    /// Stored events of the user's run with `seq > after`, in order.
    public func events(runID: RunID, userID: UserID, after: Int, limit: Int = eventPage) async throws -> [RunEvent]? {
        try await database.read { db in
            guard
                let threadID = try ThreadID.fetchOne(
                    db, sql: "SELECT thread_id FROM runs WHERE id = ? AND user_id = ?", arguments: [runID, userID])
            else { return nil }
            return try Row.fetchAll(
                db, sql: "SELECT seq, type, agent, payload, at FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [runID, after, limit]
            ).map { row in
                RunEvent(
                    runID: runID, threadID: threadID, userID: userID, seq: try row.decode(atIndex: 0), type: try row.decode(atIndex: 1),
                    agent: try row.decode(atIndex: 2), payloadJSON: try row.decode(atIndex: 3), at: Date(millis: try row.decode(atIndex: 4)))
            }
        }
    }

    /// Runs left `queued` or `running` (after a crash), with their last event seq.
    public func unfinished() async throws -> [(RunRecord, Int)] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, COALESCE((SELECT MAX(seq) FROM run_events e WHERE e.run_id = r.id), 0) AS last_seq
                    FROM runs r WHERE r.status IN ('queued', 'running')
                    """
            ).map { (try RunRecord(row: $0), try $0.decode(forColumn: "last_seq")) }
        }
    }

    /// The user's runs, newest first.
    public func runs(userID: UserID, limit: Int) async throws -> [RunRecord] {
        try await database.read { db in
            try RunRecord.filter(Column("user_id") == userID).order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// Every user's runs matching `query`, newest first, each with its owner's email.
    public func list(_ query: RunListQuery) async throws -> [(run: RunRecord, email: String?)] {
        try await database.read { db in
            var conditions = SQLConditions()
            conditions.add("r.status", in: query.statuses)
            conditions.add("r.user_id = ?", query.userID)
            conditions.add("r.agent = ?", query.agent)
            conditions.add("r.created_at >= ?", query.since?.millis)
            conditions.add("r.created_at <= ?", query.until?.millis)
            conditions.add("r.id < ?", query.before)
            let sql =
                "SELECT r.*, u.email AS user_email FROM runs r LEFT JOIN users u ON u.id = r.user_id WHERE 1 = 1" + conditions.sql
                + " ORDER BY r.id DESC LIMIT ?"
            return try Row.fetchAll(db, sql: sql, arguments: conditions.arguments + [query.limit]).map {
                (try RunRecord(row: $0), try $0.decode(forColumn: "user_email"))
            }
        }
    }

    /// Runs that ended since `since`, and how many of them failed (health figures).
    public func outcomes(since: Date) async throws -> (finished: Int, failed: Int) {
        try await database.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS finished, COALESCE(SUM(status = 'failed'), 0) AS failed FROM runs
                    WHERE finished_at >= ? AND status IN ('succeeded', 'failed', 'cancelled', 'interrupted')
                    """, arguments: [since.millis])
            return (try row?.decode(forColumn: "finished") ?? 0, try row?.decode(forColumn: "failed") ?? 0)
        }
    }

    /// A run of any user (the console).
    public func run(id: RunID) async throws -> RunRecord? {
        try await database.read { db in
            try RunRecord.fetchOne(db, key: id)
        }
    }

    // MARK: Pipeline steps

    /// Finished steps of a run: step index → (agent, status, output).
    public func steps(runID: RunID) async throws -> [Int: (agent: String, status: RunStatus, output: String?)] {
        try await database.read { db in
            var result: [Int: (String, RunStatus, String?)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT step, agent, status, output FROM run_steps WHERE run_id = ?", arguments: [runID]) {
                result[try row.decode(atIndex: 0)] = (try row.decode(atIndex: 1), try row.decode(atIndex: 2), try row.decode(atIndex: 3))
            }
            return result
        }
    }
}
