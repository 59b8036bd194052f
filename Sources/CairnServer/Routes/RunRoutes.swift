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
    /// Starts, cancels and resumes runs.
    let engine: RunEngine
    let runs: RunRepository
    /// Stored events and the live stream of a run.
    let log: RunLog
    /// Re-checks a streaming caller's credential.
    let auth: AuthService
    /// How often an open stream re-checks its credential (logout, revocation, disabled user end it).
    static let sessionCheckPeriod = Duration.seconds(1)
    /// SSE frames buffered for a slow reader before its stream is ended (it resumes with Last-Event-ID).
    static let sseQueue = 16_384

    struct RunBody: Encodable {
        struct Failure: Encodable {
            let code: String
            let message: String
        }
        struct Usage: Encodable {
            let inputTokens: Int
            let outputTokens: Int
        }
        let id: String, threadId: String, agent: String, agentVersion: Int, status: String
        let error: Failure?
        let usage: Usage
        let resumedFrom: String?
        let createdAt: Date, startedAt: Date?, finishedAt: Date?
        init(_ run: RunRecord) {
            id = run.id.rawValue
            threadId = run.threadID.rawValue
            agent = run.agent
            agentVersion = run.agentVersion
            status = run.status.rawValue
            error = run.errorCode.map { Failure(code: $0, message: run.errorMessage ?? $0) }
            usage = Usage(inputTokens: run.inputTokens, outputTokens: run.outputTokens)
            resumedFrom = run.resumedFrom?.rawValue
            createdAt = run.createdAt
            startedAt = run.startedAt
            finishedAt = run.finishedAt
        }
    }
    struct NewRunBody: Decodable {
        let input: String
        let agent: String?
    }

    func register(on api: RouterGroup<CairnRequestContext>) {
        api.post("/threads/:id/runs") { request, context in
            let principal = try context.requirePrincipal()
            let threadID = try context.pathID(as: ThreadID.self, what: "thread")
            let body = try await APIJSON.decode(NewRunBody.self, from: request, context: context)
            let started = try await engine.start(
                userID: principal.userID, threadID: threadID, input: body.input, agent: body.agent,
                requestID: context.requestID)
            return try APIJSON.response(RunBody(started.run), status: .accepted)
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
            let started = try await engine.resume(
                runID: try context.pathID(as: RunID.self, what: "run"), userID: principal.userID,
                requestID: context.requestID)
            return try APIJSON.response(RunBody(started.run), status: .accepted)
        }
        api.get("/runs/:id/events") { request, context in
            let principal = try context.requirePrincipal()
            let after = try Self.afterSeq(request.uri.queryParameters["after"].map(String.init))
            guard let events = try await log.events(run: try context.pathID(as: RunID.self, what: "run"), user: principal.userID, after: after)
            else {
                throw CairnError.notFound("run")
            }
            // The stored envelopes, as they are: nothing is encoded again.
            let body = "{\"items\":[" + events.map(\.envelopeJSON).joined(separator: ",") + "]}"
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        api.get("/runs/:id/stream") { request, context in
            let principal = try context.requirePrincipal()
            let id = try context.pathID(as: RunID.self, what: "run")
            let after = try Self.afterSeq(request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters["after"].map(String.init))
            guard try await runs.run(id: id, userID: principal.userID) != nil else { throw CairnError.notFound("run") }
            let log = self.log
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
                        _ = try await log.follow(run: id, user: principal.userID, after: after) { event in
                            if case .enqueued = output.yield(event.sseFrame) { return true }
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

    static func afterSeq(_ raw: String?) throws -> Int {
        guard let raw else { return 0 }
        guard raw.utf8.count <= 20, let value = Int(raw), (0...ClientFrame.maxSeq).contains(value) else {
            throw CairnError.validation(["after": "must be a whole number from 0 to \(ClientFrame.maxSeq)"])
        }
        return value
    }

    func ownRun(_ context: CairnRequestContext) async throws -> RunRecord {
        guard let run = try await runs.run(id: try context.pathID(as: RunID.self, what: "run"), userID: try context.requirePrincipal().userID)
        else {
            throw CairnError.notFound("run")
        }
        return run
    }
}
