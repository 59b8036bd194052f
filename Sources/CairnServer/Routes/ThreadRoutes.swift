import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/threads`, `/api/search`, `/api/agents`: the caller's threads.
struct ThreadRoutes {
    /// The agents a thread may name (`/api/agents` lists them).
    let agents: AgentRegistry
    let threads: ThreadRepository
    let settings: LiveSettings
    let clock: any WallClock
    /// 9999-12-31T23:59:59.999Z, the latest time a thread cursor may carry.
    static let latestCursorMillis: Int64 = 253_402_300_799_999
    /// Each new thread is a row: limited per user (`ratelimit.threads_per_user_per_minute`).
    let limiter: RateLimiter

    struct ThreadBody: Encodable {
        let id: String, title: String, agent: String, createdAt: Date, updatedAt: Date, messageCount: Int
        init(_ thread: ThreadRecord) {
            id = thread.id.rawValue
            title = thread.title
            agent = thread.agent
            createdAt = thread.createdAt
            updatedAt = thread.updatedAt
            messageCount = thread.messageCount
        }
    }
    struct MessageBody: Encodable {
        let id: String, threadId: String, role: String, content: String, runId: String?, createdAt: Date
        init(_ message: MessageRecord) {
            id = message.id.rawValue
            threadId = message.threadID.rawValue
            role = message.role.rawValue
            content = message.content
            runId = message.runID?.rawValue
            createdAt = message.createdAt
        }
    }
    struct AgentBody: Encodable {
        let name: String, description: String, kind: String, tools: [String], steps: [String]?, version: Int
        init(_ agent: AgentDefinition) {
            name = agent.name
            description = agent.description
            kind = agent.kind.rawValue
            tools = agent.tools ?? []
            steps = agent.steps?.map(\.agent)
            version = agent.version ?? 0
        }
    }
    struct NewThread: Decodable {
        let title: String?
        let agent: String?
    }
    struct ThreadPatch: Decodable { let title: String }

    func register(on api: RouterGroup<CairnRequestContext>) {
        api.get("/threads") { request, context in
            let principal = try context.requirePrincipal()
            let page = try Pagination(request)
            let before = try page.cursor.map { cursor -> (Date, ThreadID) in
                let parts = cursor.split(separator: "|")
                // A cursor is opaque but comes from the client: its time must be a believable one.
                guard parts.count == 2, let millis = Int64(parts[0]), (0...Self.latestCursorMillis).contains(millis),
                    let id = ThreadID(String(parts[1]))
                else {
                    throw CairnError(.invalidRequest, "malformed cursor")
                }
                return (Date(millis: millis), id)
            }
            let owned = try await threads.threads(userID: principal.userID, limit: page.limit, before: before)
            let next = owned.last.flatMap { last in page.next(after: "\(last.updatedAt.millis)|\(last.id.rawValue)", count: owned.count) }
            return try APIJSON.response(Page(items: owned.map(ThreadBody.init), nextCursor: next))
        }
        api.post("/threads") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await APIJSON.decode(NewThread.self, from: request, context: context)
            if let wait = limiter.attempt(
                "threads:\(principal.userID.rawValue)", limit: settings.snapshot[.ratelimitThreadsPerUserPerMinute], window: 60)
            {
                throw CairnError(.rateLimited, "too many new threads; slow down", retryAfter: wait)
            }
            let title = (body.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if title.count > 200 { throw CairnError.validation(["title": "must be at most 200 characters"]) }
            let agent = body.agent ?? "assistant"
            guard agent.utf8.count <= 64, agents.definition(agent) != nil else {
                throw CairnError.validation(["agent": "unknown agent '\(agent.prefix(64))'"])
            }
            let thread = try await threads.createThread(id: .generate(), userID: principal.userID, title: title, agent: agent, now: clock.now())
            return try APIJSON.response(ThreadBody(thread), status: .created)
        }
        api.get("/threads/:id") { _, context in
            let thread = try await ownThread(context)
            return try APIJSON.response(ThreadBody(thread))
        }
        api.patch("/threads/:id") { request, context in
            let principal = try context.requirePrincipal()
            let id = try context.pathID(as: ThreadID.self, what: "thread")
            let body = try await APIJSON.decode(ThreadPatch.self, from: request, context: context)
            let title = body.title.trimmingCharacters(in: .whitespacesAndNewlines)
            if title.isEmpty || title.count > 200 { throw CairnError.validation(["title": "must be 1 to 200 characters"]) }
            guard let thread = try await threads.rename(id: id, userID: principal.userID, title: title, now: clock.now()) else {
                throw CairnError.notFound("thread")
            }
            return try APIJSON.response(ThreadBody(thread))
        }
        api.delete("/threads/:id") { _, context in
            let principal = try context.requirePrincipal()
            guard try await threads.archive(id: try context.pathID(as: ThreadID.self, what: "thread"), userID: principal.userID, now: clock.now())
            else {
                throw CairnError.notFound("thread")
            }
            return Response(status: .noContent)
        }
        api.get("/threads/:id/messages") { request, context in
            let principal = try context.requirePrincipal()
            let thread = try await ownThread(context)
            let page = try Pagination(request)
            let after = try page.cursor.map { cursor -> MessageID in
                guard let id = MessageID(cursor) else { throw CairnError(.invalidRequest, "malformed cursor") }
                return id
            }
            let messages = try await threads.messages(threadID: thread.id, userID: principal.userID, after: after, limit: page.limit)
            return try APIJSON.response(
                Page(items: messages.map(MessageBody.init), nextCursor: page.next(after: messages.last?.id.rawValue, count: messages.count)))
        }
        api.get("/search") { request, context in
            let principal = try context.requirePrincipal()
            let query = request.uri.queryParameters["q"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            if query.isEmpty || query.count > 500 { throw CairnError.validation(["q": "must be 1 to 500 characters"]) }
            let page = try Pagination(request)
            let found = try await threads.search(userID: principal.userID, query: query, limit: page.limit)
            return try APIJSON.response(Page(items: found.map(MessageBody.init), nextCursor: nil))
        }
        api.get("/agents") { _, _ in
            try APIJSON.response(agents.all.map(AgentBody.init))
        }
    }

    func ownThread(_ context: CairnRequestContext) async throws -> ThreadRecord {
        guard
            let thread = try await threads.thread(
                id: try context.pathID(as: ThreadID.self, what: "thread"), userID: try context.requirePrincipal().userID)
        else {
            throw CairnError.notFound("thread")
        }
        return thread
    }
}
