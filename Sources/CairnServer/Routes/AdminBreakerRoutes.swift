import CairnAgents
import CairnAuth
import CairnCore
import Foundation
import Hummingbird

/// `/api/admin/breakers`: every circuit breaker's state, rates, counts and transitions, and the
/// admin actions `force_open`, `force_closed`, `disable`, `reset` (each audited).
struct AdminBreakerRoutes {
    let breakers: BreakerRegistry
    /// Listed with a breaker for each configured provider, called or not.
    let providers: ProviderDirectory
    let audit: AuditTrail
    let clock: any WallClock

    struct ActionBody: Decodable { let action: String }

    struct Shown: Encodable {
        struct Transition: Encodable { let at: Date, from: String, to: String, reason: String }
        struct Totals: Encodable { let successful: Int, failed: Int, slow: Int, notPermitted: Int, ignored: Int }
        struct Config: Encodable {
            let windowSize: Int, failureRateThreshold: Double, slowCallRateThreshold: Double, slowCallDurationMs: Int, minimumCalls: Int
            let waitInOpenMs: Int, permittedCallsInHalfOpen: Int, maxWaitInHalfOpenMs: Int
        }
        let name: String, state: String, since: Date, timeInStateMs: Int, nextAttemptAt: Date?
        let bufferedCalls: Int, failedCalls: Int, slowCalls: Int, failureRate: Double?, slowCallRate: Double?
        let totals: Totals, config: Config
        /// Newest first.
        let transitions: [Transition]

        init(_ snapshot: CircuitBreaker.Snapshot, now: Date) {
            name = snapshot.name
            state = snapshot.state.rawValue
            since = snapshot.since
            timeInStateMs = max(0, Int(now.timeIntervalSince(snapshot.since) * 1000))
            nextAttemptAt = snapshot.nextAttemptAt
            bufferedCalls = snapshot.bufferedCalls
            failedCalls = snapshot.failedCalls
            slowCalls = snapshot.slowCalls
            failureRate = snapshot.failureRate < 0 ? nil : snapshot.failureRate
            slowCallRate = snapshot.slowCallRate < 0 ? nil : snapshot.slowCallRate
            let t = snapshot.totals
            totals = Totals(successful: t.successful, failed: t.failed, slow: t.slow, notPermitted: t.notPermitted, ignored: t.ignored)
            let c = snapshot.config
            config = Config(
                windowSize: c.windowSize, failureRateThreshold: c.failureRateThreshold, slowCallRateThreshold: c.slowCallRateThreshold,
                slowCallDurationMs: Int(c.slowCallDuration * 1000), minimumCalls: c.minimumCalls, waitInOpenMs: Int(c.waitInOpen * 1000),
                permittedCallsInHalfOpen: c.permittedCallsInHalfOpen, maxWaitInHalfOpenMs: Int(c.maxWaitInHalfOpen * 1000))
            transitions = snapshot.transitions.reversed().map { Transition(at: $0.at, from: $0.from.rawValue, to: $0.to.rawValue, reason: $0.reason) }
        }
    }

    func register(on admin: RouterGroup<CairnRequestContext>) {
        admin.get("/breakers") { _, _ in
            let now = clock.now()
            return try APIJSON.response(Page(items: breakers.all(withProvidersOf: providers).map { Shown($0.snapshot(), now: now) }, nextCursor: nil))
        }
        admin.get("/breakers/:name") { _, context in
            guard let breaker = breakers.existing(context.pathName) else { throw CairnError.notFound("breaker") }
            return try APIJSON.response(Shown(breaker.snapshot(), now: clock.now()))
        }
        admin.post("/breakers/:name") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await APIJSON.decode(ActionBody.self, from: request, context: context)
            guard let action = CircuitBreaker.Action(rawValue: body.action) else {
                throw CairnError.validation(["action": "must be one of \(CircuitBreaker.Action.allCases.map(\.rawValue).joined(separator: ", "))"])
            }
            let name = context.pathName
            guard let breaker = breakers.existing(name) else { throw CairnError.notFound("breaker") }
            let before = breaker.currentState
            breaker.apply(action, actor: principal.userID.rawValue)
            await audit.record(
                "admin.breaker_\(action.rawValue)", actor: principal.userID.rawValue, target: name, origin: request.origin(context),
                details: ["before": before.rawValue, "after": breaker.currentState.rawValue])
            return try APIJSON.response(Shown(breaker.snapshot(), now: clock.now()))
        }
    }
}
