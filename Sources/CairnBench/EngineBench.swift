import CairnAgents
import CairnCore
import CairnServer
import CairnStore
import Foundation
import GRDB

/// Engine figures, measured in-process (no HTTP): per-run overhead with the offline model at zero
/// delay, throughput, event append rate and batching, and a 500-run burst from 100 users.
func benchEngine(env: ServerEnvironment, directory: URL) async throws {
    let base = env.settings.snapshot
    var flags: [String: String] = [:]
    for (key, value) in base.values { flags[key] = value.value }
    flags["agents.offline_chunk_delay_ms"] = "0"
    flags["runs.max_concurrent"] = "64"
    flags["runs.max_per_user"] = "5"
    flags["runs.queue_per_user"] = "10"
    env.settings.replace(with: try ConfigurationLoader.load(ConfigurationSources(flags: flags)))

    let users = UserRepository(env.store.pool)
    var userIDs: [UserID] = []
    for index in 0..<100 {
        let id = UserID.generate()
        try await users.create(
            UserRecord(
                id: id, email: "engine\(index)@example.com", name: "", passwordHash: nil, role: .user,
                status: .active, createdAt: Date()), emailNormalized: "engine\(index)@example.com")
        userIDs.append(id)
    }
    let engine = env.engine
    let log = env.services.log

    /// Waits for `run_completed` of each run on the bus and returns when all arrived.
    func completionWatcher(_ user: UserID) -> EventBus.Subscription { log.subscribe(user: user, buffer: 100_000) }

    // 1. One run at a time: engine overhead from start() to run_completed published.
    var overhead = Stats()
    let solo = userIDs[0]
    let subscription = completionWatcher(solo)
    var iterator = subscription.events.makeAsyncIterator()
    for index in 0..<200 {
        let start = ContinuousClock.now
        let run = try await engine.start(userID: solo, threadID: nil, input: "what is \(index) + 1", agent: "assistant", requestID: nil).run
        while let event = await iterator.next() {
            if event.runID == run.id && event.type == .runCompleted { break }
        }
        overhead.add(millis(since: start))
    }
    log.unsubscribe(subscription)
    report("engine overhead per run (calculator tool call, 13 events, offline model, zero delay): \(overhead.summary)")
    report(String(format: "sequential runs/s: %.0f", 1000 / overhead.percentile(0.5)))

    report("burst starting")
    // 2. 500 concurrent runs from 100 users, 5 each; all must complete exactly once.
    let (transactionsBefore, writtenBefore) = log.statistics
    let started = ContinuousClock.now
    let runIDs = try await withThrowingTaskGroup(of: [RunID].self) { group in
        for user in userIDs {
            group.addTask {
                var ids: [RunID] = []
                for index in 0..<5 {
                    ids.append(
                        try await engine.start(
                            userID: user, threadID: nil, input: "remember item \(index) for the burst", agent: "assistant", requestID: nil
                        ).run.id)
                }
                return ids
            }
        }
        return try await group.reduce(into: [RunID]()) { $0 += $1 }
    }
    let idList = "(" + runIDs.map { "'\($0.rawValue)'" }.joined(separator: ",") + ")"
    func count(_ sql: String) async throws -> Int {
        try await env.store.pool.read { db in try Int.fetchOne(db, sql: sql + " " + idList) ?? 0 }
    }
    var finished = 0
    var polls = 0
    while finished < runIDs.count {
        try await Task.sleep(for: .milliseconds(50))
        polls += 1
        if polls % 40 == 0 { report("  \(finished) finished, scheduler \(engine.load)") }
        finished = try await count("SELECT COUNT(*) FROM runs WHERE status IN ('succeeded','failed','cancelled','interrupted') AND id IN")
    }
    let elapsed = millis(since: started) / 1000
    let succeeded = try await count("SELECT COUNT(*) FROM runs WHERE status = 'succeeded' AND id IN")
    let completedEvents = try await count("SELECT COUNT(*) FROM run_events WHERE type = 'run_completed' AND run_id IN")
    var ordered = 0
    for id in runIDs.prefix(50) {
        if let owner = try await env.store.pool.read({ db in
            try String.fetchOne(db, sql: "SELECT user_id FROM runs WHERE id = ?", arguments: [id.rawValue])
        }),
            let user = UserID(owner), let events = try await log.events(run: id, user: user, after: 0), EventOrder.violations(events).isEmpty
        {
            ordered += 1
        }
    }
    let written = log.statistics.events - writtenBefore
    let transactions = log.statistics.transactions - transactionsBefore
    report(
        String(
            format:
                "burst: %d runs from 100 users in %.2f s = %.0f runs/s; %d succeeded, %d run_completed events, %d/50 sampled runs pass the order check",
            runIDs.count, elapsed, Double(runIDs.count) / elapsed, succeeded, completedEvents, ordered))
    report(
        String(
            format: "event log: %d events in %d transactions (%.1f per commit), %.0f events/s appended (closing events not counted)",
            written, transactions, Double(written) / Double(max(transactions, 1)), Double(written) / elapsed))
}
