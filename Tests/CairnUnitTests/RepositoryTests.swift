import CairnCore
import CairnStore
import Foundation
import GRDB
import Testing

/// The repositories on a migrated in-memory database: the records' Codable mapping round-trips
/// every column (time to the millisecond, scopes as space-separated text), ownership filters hold,
/// and a malformed row is a thrown error rather than a trap.
@Suite("Repositories on an in-memory database")
struct RepositoryTests {
    let database: any DatabaseWriter
    let repositories: Repositories
    /// A time with a sub-millisecond fraction, which storage rounds to the millisecond.
    let now = Date(timeIntervalSince1970: 1_764_000_000.123_6)

    init() throws {
        database = try InMemoryDatabase.make()
        repositories = Repositories(database)
    }

    @discardableResult
    func user(_ name: String, status: UserRecord.Status = .active) async throws -> UserRecord {
        let user = UserRecord(
            id: .generate(), email: "\(name)@Example.com", name: name, passwordHash: "hash", role: .user, status: status, createdAt: now)
        try await repositories.users.create(user, emailNormalized: "\(name)@example.com")
        return user
    }

    @Test("a user reads back as written, found by id and by normalized email, its time rounded to the millisecond")
    func userRoundTrip() async throws {
        let ada = try await user("ada")
        let byID = try #require(try await repositories.users.find(id: ada.id))
        #expect(byID.email == "ada@Example.com")
        #expect(byID.status == .active)
        #expect(byID.passwordHash == "hash")
        #expect(byID.createdAt == Date(millis: now.millis))
        #expect(byID.createdAt.millis == 1_764_000_000_124)
        #expect(byID.lastLoginAt == nil)
        #expect(try await repositories.users.find(emailNormalized: "ada@example.com") == byID)
        #expect(try await repositories.users.find(emailNormalized: "ada@Example.com") == nil)
        await #expect(throws: CairnError.self) { try await user("ada") }
    }

    @Test("a role or status change returns the user before and after, and only the named columns change")
    func userUpdate() async throws {
        let bob = try await user("bob", status: .pending)
        let later = now.addingTimeInterval(60)
        let change = try #require(try await repositories.users.update(id: bob.id, role: .admin, status: nil, at: later))
        #expect(change.before.role == .user)
        #expect(change.after.role == .admin)
        #expect(change.after.status == .pending)
        #expect(change.after.updatedAt == Date(millis: later.millis))
        #expect(try await repositories.users.find(id: bob.id) == change.after)
        #expect(try await repositories.users.update(id: .generate(), role: .admin, status: nil, at: later) == nil)
        #expect(try await repositories.users.adminExists() == false)
        _ = try await repositories.users.update(id: bob.id, role: nil, status: .active, at: later)
        #expect(try await repositories.users.adminExists())
    }

    @Test("a malformed id or an unknown status in a row is a thrown error, not a crash")
    func corruptRowsThrow() async throws {
        let good = try await user("carol")
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO users (id, email, email_normalized, role, status, created_at, updated_at)
                    VALUES ('ses_not_a_user_id', 'x@example.com', 'x@example.com', 'user', 'active', 0, 0)
                    """)
        }
        await #expect(throws: (any Error).self) { try await repositories.users.find(emailNormalized: "x@example.com") }
        await #expect(throws: (any Error).self) { try await repositories.users.list(search: nil, after: nil, limit: 10) }
        try await database.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE users SET status = 'deleted' WHERE id = ?", arguments: [good.id])
        }
        await #expect(throws: (any Error).self) { try await repositories.users.find(id: good.id) }
    }

    @Test("an API key stores its scopes as space-separated text and reads them back as a list")
    func apiKeyScopes() async throws {
        let owner = try await user("dan")
        let key = APIKeyRecord(
            id: .generate(), userID: owner.id, name: "ci", prefix: "cairn_key_01", secretHash: "digest", scopes: ["chat", "runs:read"],
            createdAt: now, expiresAt: now.addingTimeInterval(3600))
        #expect(try await repositories.apiKeys.create(key, now: now))
        let column = try await database.read { db in try String.fetchOne(db, sql: "SELECT scopes FROM api_keys") }
        #expect(column == "chat runs:read")
        let found = try #require(try await repositories.apiKeys.lookup(id: key.id))
        #expect(found.key.scopes == ["chat", "runs:read"])
        #expect(found.key.expiresAt == Date(millis: now.addingTimeInterval(3600).millis))
        #expect(found.role == .user)
        #expect(found.userActive)
        #expect(try await repositories.apiKeys.list(userID: owner.id).map(\.id) == [key.id])
        let stranger = try await user("eve")
        #expect(try await repositories.apiKeys.revoke(id: key.id, userID: stranger.id, now: now) == false)
        #expect(try await repositories.apiKeys.revoke(id: key.id, userID: owner.id, now: now))
        #expect(try await repositories.apiKeys.list(userID: owner.id).isEmpty)
        #expect(try await repositories.apiKeys.stillValid([key.id], now: now) == [false])
    }

    @Test("a refresh token rotates once; presenting the spent one revokes the session")
    func sessionRotation() async throws {
        let owner = try await user("fay")
        let session = SessionRecord(
            id: .generate(), userID: owner.id, refreshJTI: "one", createdAt: now, expiresAt: now.addingTimeInterval(3600), ip: "10.0.0.1",
            userAgent: "test")
        try await repositories.sessions.create(session)
        #expect(try await repositories.sessions.find(id: session.id)?.userAgent == "test")
        let sessions = repositories.sessions
        func rotate(_ presented: String, to next: String) async throws -> RefreshOutcome {
            try await sessions.rotate(
                sessionID: session.id, presentedJTI: presented, newJTI: next, presentedExpiresAt: now.addingTimeInterval(3600), now: now)
        }
        #expect(try await rotate("one", to: "two") == .rotated(userID: owner.id))
        #expect(try await rotate("one", to: "three") == .reuseDetected(userID: owner.id))
        #expect(try await rotate("two", to: "three") == .invalid)
        let ended = try #require(try await repositories.sessions.find(id: session.id))
        #expect(ended.revokedReason == "refresh_reuse")
        #expect(ended.revokedAt == Date(millis: now.millis))
        #expect(try await repositories.sessions.listLive(userID: owner.id, now: now).isEmpty)
    }

    @Test("a run is stored with its thread, message and opening event; another user sees none of it")
    func runsAndThreadsBelongToTheirOwner() async throws {
        let owner = try await user("gus")
        let other = try await user("hal")
        let run = NewRun(
            runID: .generate(), threadID: .generate(), userID: owner.id, agent: "assistant", agentVersion: 2, input: "hello",
            messageID: .generate(), createThreadTitle: "Greeting")
        let opening = RunEvent(
            runID: run.runID, threadID: run.threadID, userID: owner.id, seq: 1, type: .runStatus, agent: nil,
            payload: .object(["status": .string("queued")]), at: now)
        let created = try await repositories.runs.create(run, openingEvents: [opening], now: now)
        #expect(try await repositories.runs.run(id: run.runID, userID: owner.id) == created)
        #expect(try await repositories.runs.run(id: run.runID, userID: other.id) == nil)
        #expect(try await repositories.runs.events(runID: run.runID, userID: owner.id, after: 0) == [opening])
        #expect(try await repositories.runs.events(runID: run.runID, userID: other.id, after: 0) == nil)
        let thread = try #require(try await repositories.threads.thread(id: run.threadID, userID: owner.id))
        #expect(thread.title == "Greeting")
        #expect(thread.messageCount == 1)
        #expect(try await repositories.threads.thread(id: run.threadID, userID: other.id) == nil)
        let messages = try await repositories.threads.messages(threadID: run.threadID, userID: owner.id, after: nil, limit: 10)
        #expect(messages.map(\.content) == ["hello"])
        #expect(messages.first?.runID == run.runID)
        #expect(try await repositories.threads.messages(threadID: run.threadID, userID: other.id, after: nil, limit: 10).isEmpty)
        let unfinished = try await repositories.runs.unfinished()
        #expect(unfinished.map(\.0.id) == [run.runID])
        #expect(unfinished.map(\.1) == [1])

        try await repositories.runs.write([.step(RunStep(runID: run.runID, index: 0, agent: "researcher", status: .succeeded, output: "notes"))])
        try await repositories.runs.finish(
            RunFinish(
                runID: run.runID, userID: owner.id,
                outcome: RunOutcome(
                    status: .succeeded, inputTokens: 7, outputTokens: 5,
                    calls: [ModelCallUsage(provider: "offline", model: "echo", inputTokens: 7, outputTokens: 5)]),
                closingEvents: [], at: now.addingTimeInterval(1)))
        let finished = try #require(try await repositories.runs.run(id: run.runID))
        #expect(finished.status == .succeeded)
        #expect(finished.outputTokens == 5)
        #expect(finished.finishedAt == Date(millis: now.addingTimeInterval(1).millis))
        let steps = try await repositories.runs.steps(runID: run.runID)
        #expect(steps[0]?.agent == "researcher")
        #expect(steps[0]?.status == .succeeded)
        #expect(try await repositories.runs.unfinished().isEmpty)
        let usage = try await repositories.usage.totals(by: .user, since: nil)
        #expect(usage.map(\.inputTokens) == [7])
    }

    @Test("a provider is created, then replaced whole, and the replace returns what it replaced")
    func providerUpsert() async throws {
        let first = ProviderRecord(
            name: "openai", type: "openai", baseURL: "https://api.example.com/v1", apiKey: "sk-1", model: "gpt", timeoutMs: 30_000,
            maxRetries: 2, options: "{}", updatedAt: now, updatedBy: nil)
        #expect(try await repositories.providers.save(first) == nil)
        var second = first
        second.apiKey = nil
        second.model = "gpt-mini"
        let replaced = try await repositories.providers.save(second)
        #expect(replaced?.apiKey == "sk-1")
        #expect(replaced?.updatedAt == Date(millis: now.millis))
        let all = try await repositories.providers.all()
        #expect(all.map(\.model) == ["gpt-mini"])
        #expect(all.first?.apiKey == nil)
        #expect(try await repositories.providers.delete(name: "openai"))
        #expect(try await repositories.providers.delete(name: "openai") == false)
    }

    @Test("a WebSocket ticket is redeemed once, as typed ids")
    func ticketsAreSingleUse() async throws {
        let owner = try await user("ida")
        let session = SessionID.generate()
        try await repositories.tickets.create(hash: "digest", userID: owner.id, sessionID: session, now: now, expiresAt: now.addingTimeInterval(60))
        let redeemed = try #require(try await repositories.tickets.redeem(hash: "digest", now: now))
        #expect(redeemed.userID == owner.id)
        #expect(redeemed.sessionID == session)
        #expect(try await repositories.tickets.redeem(hash: "digest", now: now) == nil)
    }

    @Test("a backup attempt is listed newest first and can be deleted")
    func backups() async throws {
        let older = BackupRecord(
            id: .generate(now: now), createdAt: now, path: "/b/1.db", sizeBytes: 4096, durationMs: 12, gzip: false, verified: true,
            trigger: .schedule, createdBy: nil, error: nil)
        let newer = BackupRecord(
            id: .generate(now: now.addingTimeInterval(1)), createdAt: now.addingTimeInterval(1), path: "/b/2.db.gz", sizeBytes: 1024,
            durationMs: 20, gzip: true, verified: false, trigger: .manual, createdBy: "usr_x", error: "disk full")
        try await repositories.backups.insert(older)
        try await repositories.backups.insert(newer)
        #expect(try await repositories.backups.list().map(\.id) == [newer.id, older.id])
        let found = try #require(try await repositories.backups.find(newer.id))
        #expect(found.trigger == .manual)
        #expect(found.gzip)
        #expect(found.error == "disk full")
        try await repositories.backups.delete(newer.id)
        #expect(try await repositories.backups.list().map(\.id) == [older.id])
    }
}
