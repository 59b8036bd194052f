import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// `/api/admin/runs`: every user's runs, filtered; one run's events; cancel any run.
struct AdminRunRoutes {
    /// Cancels runs.
    let engine: RunEngine
    let runs: RunRepository
    let log: RunLog
    /// Finds users by email; audits cancels.
    let auth: AuthService

    struct RunItem: Encodable {
        let id: String, userId: String, userEmail: String?, threadId: String, agent: String, status: String
        let createdAt: Date, startedAt: Date?, finishedAt: Date?, durationMs: Int?
        let inputTokens: Int, outputTokens: Int, error: String?
        init(_ run: RunRecord, email: String?) {
            id = run.id.rawValue
            userId = run.userID.rawValue
            userEmail = email
            threadId = run.threadID.rawValue
            agent = run.agent
            status = run.status.rawValue
            createdAt = run.createdAt
            startedAt = run.startedAt
            finishedAt = run.finishedAt
            durationMs = run.finishedAt.map { Int(($0.timeIntervalSince(run.startedAt ?? run.createdAt) * 1000).rounded()) }
            inputTokens = run.inputTokens
            outputTokens = run.outputTokens
            error = run.errorMessage.map { message in run.errorCode.map { "\($0): \(message)" } ?? message }
        }
    }
    struct CancelBody: Encodable { let status = "cancelling" }

    func register(on admin: RouterGroup<CairnRequestContext>) {
        admin.get("/runs") { request, _ in
            let page = try Pagination(request)
            let query = request.uri.queryParameters
            var filter = RunListQuery(limit: page.limit)
            if let raw = query["status"].map(String.init) {
                if raw == "active" {
                    filter.statuses = [.queued, .running]
                } else if let status = RunStatus(rawValue: raw) {
                    filter.statuses = [status]
                } else {
                    throw CairnError.validation(["status": "must be active or one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))"])
                }
            }
            if let raw = query["user"].map(String.init), !raw.isEmpty {
                // A user id, or an email; an unknown user matches nothing.
                let byEmail = UserID(raw) == nil ? try await auth.user(email: raw)?.id : nil
                guard let user = UserID(raw) ?? byEmail else {
                    return try APIJSON.response(Page<RunItem>(items: [], nextCursor: nil))
                }
                filter.userID = user
            }
            if let agent = query["agent"].map(String.init), !agent.isEmpty {
                guard agent.utf8.count <= 64 else { throw CairnError.validation(["agent": "must be at most 64 bytes"]) }
                filter.agent = agent
            }
            filter.since = try Self.date(query["since"], "since")
            filter.until = try Self.date(query["until"], "until")
            filter.before = try page.cursor.map { cursor in
                guard let id = RunID(cursor) else { throw CairnError(.invalidRequest, "malformed cursor") }
                return id
            }
            let found = try await runs.list(filter)
            return try APIJSON.response(
                Page(
                    items: found.map { RunItem($0.run, email: $0.email) },
                    nextCursor: page.next(after: found.last?.run.id.rawValue, count: found.count)))
        }
        admin.get("/runs/:id/events") { request, context in
            let id = try context.pathID(as: RunID.self, what: "run")
            guard let run = try await runs.run(id: id) else { throw CairnError.notFound("run") }
            let after = try RunRoutes.afterSeq(request.uri.queryParameters["after"].map(String.init))
            let events = try await log.events(run: id, user: run.userID, after: after) ?? []
            let body = "{\"items\":[" + events.map(\.envelopeJSON).joined(separator: ",") + "]}"
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: .init(string: body)))
        }
        admin.post("/runs/:id/cancel") { request, context in
            let id = try context.pathID(as: RunID.self, what: "run")
            guard let run = try await runs.run(id: id) else { throw CairnError.notFound("run") }
            try await engine.cancel(runID: id, userID: run.userID)
            let principal = try context.requirePrincipal()
            await auth.audit.record(
                "admin.run_cancelled", actor: principal.userID.rawValue, target: id.rawValue, origin: request.origin(context),
                details: ["user": run.userID.rawValue, "status_before": run.status.rawValue])
            return try APIJSON.response(CancelBody(), status: .accepted)
        }
    }

    static func date(_ raw: Substring?, _ name: String) throws -> Date? {
        guard let raw else { return nil }
        guard let date = Timestamp.parse(raw) else { throw CairnError.validation([name: "must be an RFC 3339 timestamp"]) }
        return date
    }
}
