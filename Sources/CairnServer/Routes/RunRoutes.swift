import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/api/threads/{id}/runs` and `/api/runs/*`: starting, inspecting, cancelling and following runs.
struct RunRoutes {
    let engine: RunEngine
    let runs: RunRepository
    let auth: AuthService
    /// How often an open stream re-checks its credential (logout, revocation, disabled user end it).
    static let sessionCheckPeriod = Duration.seconds(1)
    /// SSE frames buffered for a slow reader before its stream is ended (it resumes with Last-Event-ID).
    static let sseQueue = 16_384

    struct RunBody: Encodable {
        struct Failure: Encodable { let code: String; let message: String }
        struct Usage: Encodable { let inputTokens: Int; let outputTokens: Int }
        let id: String, threadId: String, agent: String, agentVersion: Int, status: String
        let error: Failure?
        let usage: Usage
        let resumedFrom: String?
        let createdAt: Date, startedAt: Date?, finishedAt: Date?
        init(_ run: RunRecord) {
            id = run.id.rawValue; threadId = run.threadID.rawValue; agent = run.agent; agentVersion = run.agentVersion
            status = run.status.rawValue
            error = run.errorCode.map { Failure(code: $0, message: run.errorMessage ?? $0) }
            usage = Usage(inputTokens: run.inputTokens, outputTokens: run.outputTokens)
            resumedFrom = run.resumedFrom?.rawValue
            createdAt = run.createdAt; startedAt = run.startedAt; finishedAt = run.finishedAt
        }
    }
    struct NewRunBody: Decodable { let input: String; let agent: String? }

    func register(on api: RouterGroup<CairnRequestContext>) {
        api.post("/threads/:id/runs") { request, context in
            let principal = try context.requirePrincipal()
            let threadID = try context.pathID(as: ThreadID.self, what: "thread")
            let body = try await APIJSON.decode(NewRunBody.self, from: request, context: context)
            let run = try await engine.start(userID: principal.userID, threadID: threadID, input: body.input, agent: body.agent,
                                             requestID: context.requestID)
            return try APIJSON.response(RunBody(run), status: .accepted)
        }
        api.get("/runs/:id") { _, context in
            try APIJSON.response(RunBody(try await ownRun(context)))
        }
        api.post("/runs/:id/cancel") { _, context in
            let principal = try context.requirePrincipal()
            try await engine.cancel(runID: try context.pathID(as: RunID.self, what: "run"), userID: principal.userID)
            return try APIJSON.response(RunBody(try await ownRun(context)), status: .accepted)
        }
        api.post("/runs/:id/resume") { _, context in
            let principal = try context.requirePrincipal()
            let run = try await engine.resume(runID: try context.pathID(as: RunID.self, what: "run"), userID: principal.userID, requestID: context.requestID)
            return try APIJSON.response(RunBody(run), status: .accepted)
        }
        api.get("/runs/:id/events") { request, context in
            let principal = try context.requirePrincipal()
            let after = try afterSeq(request.uri.queryParameters["after"].map(String.init))
            guard let events = try await runs.events(runID: try context.pathID(as: RunID.self, what: "run"), userID: principal.userID, after: after) else {
                throw CairnError.notFound("run")
            }
            let body: JSONValue = ["items": .array(events.map(EventEnvelope.json))]
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: body.jsonText)))
        }
        api.get("/runs/:id/stream") { request, context in
            let principal = try context.requirePrincipal()
            let id = try context.pathID(as: RunID.self, what: "run")
            let after = try afterSeq(request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters["after"].map(String.init))
            guard try await runs.run(id: id, userID: principal.userID) != nil else { throw CairnError.notFound("run") }
            let engine = self.engine
            let runs = self.runs
            let auth = self.auth
            let body = ResponseBody { writer in
                // Events are produced by one task and written here; a second task re-checks the
                // session, so the stream ends within about a second of a logout, revocation or
                // disabled user, like a socket on /ws. A client too slow for `sseQueue` frames is
                // ended too, and resumes with Last-Event-ID.
                let (frames, output) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(Self.sseQueue))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { output.finish() }
                        try await Self.stream(runID: id, userID: principal.userID, after: after, engine: engine, runs: runs) { frame in
                            if case .enqueued = output.yield(frame) { return true }
                            return false
                        }
                    }
                    group.addTask {
                        while await auth.areStillValid([principal]) == [true] {
                            try await Task.sleep(for: Self.sessionCheckPeriod)
                        }
                        output.finish()
                    }
                    for await frame in frames { try await writer.write(ByteBuffer(string: frame)) }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
        }
    }

    /// Replays stored events after `after`, then follows live ones; a gap in the live feed is
    /// filled from the log, so the client sees every seq exactly once, in order. `send` takes one
    /// SSE frame and answers false when the reader is gone, which ends the stream.
    static func stream(runID: RunID, userID: UserID, after: Int, engine: RunEngine, runs: RunRepository,
                       send deliver: (String) -> Bool) async throws {
        var last = after
        /// True when the stream is over: the run completed or the reader went away.
        func send(_ events: [RunEvent]) -> Bool {
            for event in events where event.seq > last {
                guard deliver(EventEnvelope.sse(event)) else { return true }
                last = event.seq
                if event.type == RunEventType.runCompleted.rawValue { return true }
            }
            return false
        }
        // Subscribe, catch up from the log, then follow live events. If the bus drops this
        // subscriber for falling behind, its stream ends and the loop catches up again.
        while !Task.isCancelled {
            let subscription = engine.bus.subscribe(userID: userID)
            defer { engine.bus.unsubscribe(subscription.id, userID: userID) }
            if send(try await runs.events(runID: runID, userID: userID, after: last) ?? []) { return }
            // Already over (the client asked from its last event or beyond): the final status and the
            // closing events commit together, so one more read sends whatever is left, then close.
            if let run = try await runs.run(id: runID, userID: userID), run.status.isFinal {
                _ = send(try await runs.events(runID: runID, userID: userID, after: last) ?? [])
                return
            }
            for await event in subscription.events where event.runID == runID {
                if event.seq <= last { continue }
                let batch = event.seq == last + 1 ? [event] : (try await runs.events(runID: runID, userID: userID, after: last) ?? [])
                if send(batch) { return }
            }
        }
    }

    func afterSeq(_ raw: String?) throws -> Int {
        guard let raw else { return 0 }
        guard raw.utf8.count <= 20, let value = Int(raw), (0...ClientFrame.maxSeq).contains(value) else {
            throw CairnError.validation(["after": "must be a whole number from 0 to \(ClientFrame.maxSeq)"])
        }
        return value
    }

    func ownRun(_ context: CairnRequestContext) async throws -> RunRecord {
        guard let run = try await runs.run(id: try context.pathID(as: RunID.self, what: "run"), userID: try context.requirePrincipal().userID) else {
            throw CairnError.notFound("run")
        }
        return run
    }
}
