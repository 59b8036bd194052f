import CairnAgents
import CairnCore
import CairnStore
import Foundation
import Logging
import Testing

/// The run log on a real database file: group commits, durable before visible, order, follow,
/// and a refused write that stays with its own run.
@Suite("The run log")
struct RunLogTests {
    let store: Store
    let repository: RunRepository
    let log: RunLog
    let user = UserID.generate()

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("runlog-\(UUID().uuidString).db").path
        store = try Store(path: path)
        repository = RunRepository(store.pool)
        log = RunLog(runs: repository, logger: Logger(label: "test"))
    }

    func createUser() async throws {
        try await UserRepository(store.pool).create(UserRecord(id: user, email: "\(user.rawValue)@example.com", name: "", passwordHash: nil,
                                                                 role: .user, status: .active, createdAt: Date()),
                                                      emailNormalized: "\(user.rawValue)@example.com")
    }

    /// Opens a run and returns its emitter (seq 1, the opening event, is written with the run).
    func openRun() async throws -> RunEmitter {
        let runID = RunID.generate(), threadID = ThreadID.generate()
        let emitter = RunEmitter(runID: runID, threadID: threadID, userID: user, log: log, clock: SystemClock())
        _ = try await log.open(NewRun(runID: runID, threadID: threadID, userID: user, agent: "assistant", agentVersion: 0, input: "hi",
                                      messageID: .generate(), createThreadTitle: "t"), openingEvents: [emitter.openingEvent()], now: Date())
        return emitter
    }

    func finish(_ emitter: RunEmitter) async throws {
        let closing = emitter.closingEvents(status: .succeeded, error: nil, messageID: nil, usage: (0, 0))
        try await log.finish(RunFinish(runID: emitter.runID, userID: user, outcome: RunOutcome(status: .succeeded), closingEvents: closing, at: Date()))
    }

    @Test func eventsOfManyRunsShareCommitsAndReachFollowersOnlyOnceDurable() async throws {
        try await createUser()
        let feed = log.subscribe(user: user, buffer: 100_000)
        let emitters = try await (0..<20).asyncMap { _ in try await openRun() }
        let before = log.statistics
        // 20 runs × 50 events, emitted without waiting for the disk.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for emitter in emitters {
                group.addTask {
                    for index in 0..<50 { try await emitter.emit(.messageDelta, agent: nil, payload: ["text": .string("w\(index) ")]) }
                    try await finish(emitter)
                }
            }
            try await group.waitForAll()
        }
        let after = log.statistics
        #expect(after.events - before.events == 1_000)
        #expect(after.transactions - before.transactions < 1_000, "events share group commits (\(after.transactions - before.transactions) commits)")
        // Every published event was already in the database when it was published, and each
        // run's events arrive once each, in seq order, through run_completed.
        var seen: [RunID: Int] = [:]
        var completed = 0
        var checked = 0
        for await event in feed.events {
            if event.seq == 1 { seen[event.runID] = 1; continue }
            #expect(event.seq == (seen[event.runID] ?? 0) + 1, "seq order of \(event.runID)")
            seen[event.runID] = event.seq
            if checked < 200 {
                checked += 1
                let stored = try await repository.events(runID: event.runID, userID: user, after: event.seq - 1, limit: 1)
                #expect(stored?.first == event, "published before it was durable")
            }
            if event.type == .runCompleted { completed += 1 }
            if completed == emitters.count { break }
        }
        log.unsubscribe(feed)
        for emitter in emitters {
            let stored = try #require(try await log.events(run: emitter.runID, user: user, after: 0))
            #expect(stored.count == 52)
            #expect(EventOrder.violations(stored).isEmpty)
        }
    }

    @Test func followReplaysThenFollowsLiveAndEndsAtRunCompleted() async throws {
        try await createUser()
        let emitter = try await openRun()
        for index in 0..<5 { try await emitter.emit(.messageDelta, agent: nil, payload: ["text": .string("\(index)")]) }
        let follower = Task {
            var seqs: [Int] = []
            let found = try await log.follow(run: emitter.runID, user: user, after: 2) { event in
                seqs.append(event.seq)
                return true
            }
            return (found, seqs)
        }
        try await Task.sleep(for: .milliseconds(100))
        for index in 5..<10 { try await emitter.emit(.messageDelta, agent: nil, payload: ["text": .string("\(index)")]) }
        try await finish(emitter)
        let (found, seqs) = try await follower.value
        #expect(found)
        #expect(seqs == Array(3...12), "seq 3…11 and run_completed (12), once each")
        // From the end, follow returns at once; another user's run is not found.
        var after: [Int] = []
        #expect(try await log.follow(run: emitter.runID, user: user, after: 12) { after.append($0.seq); return true })
        #expect(after.isEmpty)
        #expect(try await log.follow(run: emitter.runID, user: UserID.generate(), after: 0) { _ in true } == false)
    }

    @Test func aRefusedWriteStaysWithItsRunAndLaterWritesOfThatRunAreRefused() async throws {
        try await createUser()
        let good = try await openRun(), bad = try await openRun()
        // A second seq 1 for `bad`: the database refuses it (primary key), whatever the moment.
        let duplicate = RunEvent(runID: bad.runID, threadID: bad.threadID, userID: user, seq: 1, type: .notice, agent: nil, payload: [:], at: Date())
        try await good.emit(.messageDelta, agent: nil, payload: ["text": "a"])
        try await log.append(duplicate)
        try await good.emit(.messageDelta, agent: nil, payload: ["text": "b"])
        try await finish(good)
        let stored = try #require(try await log.events(run: good.runID, user: user, after: 0))
        #expect(stored.map(\.type) == [.runStatus, .messageDelta, .messageDelta, .runCompleted], "the other run's commit went through")
        await #expect(throws: CairnError.self) { try await bad.emit(.messageDelta, agent: nil, payload: ["text": "c"]) }
        await #expect(throws: CairnError.self) { try await finish(bad) }
        #expect(try await log.events(run: bad.runID, user: user, after: 0)?.count == 1, "nothing after the refused write")
        // The run stays open in the database; the next start closes it as interrupted.
        #expect(try await repository.unfinished().contains { $0.0.id == bad.runID })
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
