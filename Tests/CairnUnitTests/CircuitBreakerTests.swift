import CairnCore
import Foundation
import Testing

@Suite("Circuit breaker")
struct CircuitBreakerTests {
    let clock = ManualClock()

    func breaker(_ config: CircuitBreakerConfig = CircuitBreakerConfig(windowSize: 10, minimumCalls: 4, waitInOpen: 30,
                                                                        permittedCallsInHalfOpen: 3, maxWaitInHalfOpen: 60)) -> CircuitBreaker {
        CircuitBreaker(name: "provider:test", config: config, clock: clock)
    }

    func call(_ breaker: CircuitBreaker, _ outcome: CallOutcome, taking seconds: TimeInterval = 0) throws {
        let permit = try breaker.acquire()
        clock.advance(by: seconds)
        breaker.record(permit, outcome)
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let config = CircuitBreakerConfig()
        #expect(config.windowSize == 20 && config.failureRateThreshold == 50 && config.slowCallRateThreshold == 100)
        #expect(config.slowCallDuration == 30 && config.minimumCalls == 10 && config.waitInOpen == 30 && config.permittedCallsInHalfOpen == 3)
    }

    @Test func opensOnlyOnceTheMinimumNumberOfCallsIsRecorded() throws {
        let breaker = breaker()
        for _ in 0..<3 { try call(breaker, .failure) }
        #expect(breaker.currentState == .closed, "3 failures are fewer than the minimum of 4")
        #expect(breaker.snapshot().failureRate == -1)
        try call(breaker, .failure)
        #expect(breaker.currentState == .open)
        let transition = try #require(breaker.snapshot().transitions.last)
        #expect(transition.from == .closed && transition.to == .open && transition.reason.contains("failure rate 100%"))
        #expect(breaker.snapshot().failureRate == 100, "OPEN shows the window that tripped it")
    }

    @Test func staysClosedBelowTheFailureRateAndCountsASlidingWindow() throws {
        let breaker = breaker()
        // 4 failures in 10 = 40 % < 50 % (the failures come last, so no prefix ever reaches 50 %).
        for index in 0..<10 { try call(breaker, index >= 6 ? .failure : .success) }
        #expect(breaker.currentState == .closed)
        #expect(breaker.snapshot().failureRate == 40)
        // The window slides: 10 successes push the failures out, then one failure is 10 %.
        for _ in 0..<10 { try call(breaker, .success) }
        try call(breaker, .failure)
        #expect(breaker.snapshot().failureRate == 10)
        #expect(breaker.snapshot().bufferedCalls == 10)
        // Four more make five failures in the window: 50 %, the threshold.
        for _ in 0..<3 { try call(breaker, .failure) }
        #expect(breaker.currentState == .closed)
        try call(breaker, .failure)
        #expect(breaker.currentState == .open)
    }

    @Test func ignoredOutcomesCountNeitherWay() throws {
        let breaker = breaker()
        for _ in 0..<10 { try call(breaker, .ignored) }
        #expect(breaker.currentState == .closed)
        #expect(breaker.snapshot().bufferedCalls == 0)
        #expect(breaker.snapshot().totals.ignored == 10)
    }

    @Test func slowCallsOpenTheBreakerAtTheirOwnThreshold() throws {
        let breaker = breaker(CircuitBreakerConfig(windowSize: 10, failureRateThreshold: 50, slowCallRateThreshold: 75, slowCallDuration: 2,
                                                   minimumCalls: 4, waitInOpen: 30))
        try call(breaker, .success, taking: 3)
        try call(breaker, .success, taking: 3)
        try call(breaker, .success, taking: 1)
        #expect(breaker.currentState == .closed)
        try call(breaker, .success, taking: 2.5)
        #expect(breaker.currentState == .open, "3 of 4 calls were slower than 2 s: 75 %")
        #expect(breaker.snapshot().transitions.last?.reason.contains("slow-call rate 75%") == true)
        #expect(breaker.snapshot().totals.slow == 3)
    }

    @Test func anExplicitDurationIsWhatTheSlowCallRuleJudges() throws {
        let breaker = breaker(CircuitBreakerConfig(windowSize: 4, slowCallRateThreshold: 50, slowCallDuration: 2, minimumCalls: 4))
        // A long stream whose first chunk came quickly is not slow...
        for _ in 0..<2 {
            let permit = try breaker.acquire()
            clock.advance(by: 100)
            breaker.record(permit, .success, duration: 0.5)
        }
        #expect(breaker.snapshot().totals.slow == 0)
        // ...and a first chunk that took 3 s is, however the clock moved.
        for _ in 0..<2 {
            breaker.record(try breaker.acquire(), .success, duration: 3)
        }
        #expect(breaker.snapshot().totals.slow == 2)
        #expect(breaker.currentState == .open, "2 of 4 calls slow: 50 %")
    }

    @Test func openRejectsWithATypedErrorNamingTheBreakerThenLetsTrialsThrough() throws {
        let breaker = breaker()
        for _ in 0..<4 { try call(breaker, .failure) }
        let opened = clock.now()
        do {
            _ = try breaker.acquire()
            Issue.record("an open breaker permitted a call")
        } catch {
            #expect(error.breaker == "provider:test")
            #expect(error.state == .open)
            #expect(error.nextAttemptAt == opened.addingTimeInterval(30))
        }
        #expect(breaker.snapshot().totals.notPermitted == 1)
        clock.advance(by: 29.9)
        #expect(throws: BreakerOpenError.self) { try breaker.acquire() }
        clock.advance(by: 0.1)
        #expect(breaker.currentState == .halfOpen)
    }

    @Test func halfOpenPermitsExactlyTheTrialCallsAndClosesWhenTheySucceed() throws {
        let breaker = breaker()
        for _ in 0..<4 { try call(breaker, .failure) }
        clock.advance(by: 30)
        let permits = try (0..<3).map { _ in try breaker.acquire() }
        #expect(throws: BreakerOpenError.self) { try breaker.acquire() }
        breaker.record(permits[0], .success)
        breaker.record(permits[1], .success)
        #expect(breaker.currentState == .halfOpen, "all trial calls must finish before deciding")
        breaker.record(permits[2], .success)
        #expect(breaker.currentState == .closed)
        #expect(breaker.snapshot().bufferedCalls == 0, "closing starts a fresh window")
        #expect(breaker.snapshot().transitions.map(\.to) == [.open, .halfOpen, .closed])
    }

    @Test func failingTrialsOpenAgainAndAnIgnoredTrialFreesItsSlot() throws {
        let breaker = breaker()
        for _ in 0..<4 { try call(breaker, .failure) }
        clock.advance(by: 30)
        let first = try breaker.acquire()
        breaker.record(first, .ignored)
        // The ignored call gave its slot back: three more trials are still permitted.
        let permits = try (0..<3).map { _ in try breaker.acquire() }
        breaker.record(permits[0], .success)
        breaker.record(permits[1], .failure)
        breaker.record(permits[2], .failure)
        #expect(breaker.currentState == .open, "2 of 3 trials failed: 67 % ≥ 50 %")
        #expect(breaker.snapshot().transitions.last?.reason.hasPrefix("trial calls:") == true)
    }

    @Test func halfOpenThatWaitsTooLongForItsTrialsOpensAgain() throws {
        let breaker = breaker()
        for _ in 0..<4 { try call(breaker, .failure) }
        clock.advance(by: 30)
        let stuck = try breaker.acquire()
        clock.advance(by: 60)
        #expect(breaker.currentState == .open)
        // The late result of the stuck trial belongs to an older state and changes nothing.
        breaker.record(stuck, .success)
        #expect(breaker.currentState == .open)
        #expect(breaker.snapshot().transitions.last?.reason.contains("did not finish within 60 s") == true)
    }

    @Test func resultsOfCallsFromAnEarlierStateAreNotCounted() throws {
        let breaker = breaker()
        let early = try breaker.acquire()
        for _ in 0..<4 { try call(breaker, .failure) }
        clock.advance(by: 30)
        _ = breaker.currentState
        breaker.record(early, .failure)
        #expect(breaker.currentState == .halfOpen)
    }

    @Test func forcedStatesAndReset() throws {
        let breaker = breaker()
        breaker.apply(.forceOpen, actor: "admin")
        #expect(breaker.currentState == .forcedOpen)
        clock.advance(by: 3600)
        #expect(throws: BreakerOpenError.self) { try breaker.acquire() }
        #expect(breaker.currentState == .forcedOpen, "forced open never moves on by itself")

        breaker.apply(.disable, actor: "admin")
        for _ in 0..<20 { try call(breaker, .failure) }
        #expect(breaker.currentState == .disabled, "a disabled breaker permits everything and records nothing")
        #expect(breaker.snapshot().totals.failed == 0)

        breaker.apply(.forceClosed, actor: "admin")
        #expect(breaker.currentState == .closed)
        for _ in 0..<4 { try call(breaker, .failure) }
        #expect(breaker.currentState == .open, "force_closed closes; the breaker keeps judging")

        breaker.apply(.reset, actor: "admin")
        let snapshot = breaker.snapshot()
        #expect(snapshot.state == .closed && snapshot.totals == CircuitBreaker.Totals() && snapshot.bufferedCalls == 0)
        #expect(snapshot.transitions.count == 1 && snapshot.transitions[0].reason == "reset by admin")
    }

    @Test func callClassifiesThrownErrors() async throws {
        struct Boom: Error { let status: Int }
        let breaker = breaker()
        let classify: (any Error) -> CallOutcome = { ($0 as? Boom)?.status ?? 500 >= 500 ? .failure : .ignored }
        for _ in 0..<4 {
            await #expect(throws: Boom.self) { try await breaker.call(classify: classify) { () async throws -> Int in throw Boom(status: 404) } }
        }
        #expect(breaker.currentState == .closed, "4xx is the caller's mistake")
        for _ in 0..<4 {
            await #expect(throws: Boom.self) { try await breaker.call(classify: classify) { () async throws -> Int in throw Boom(status: 503) } }
        }
        #expect(breaker.currentState == .open)
        await #expect(throws: BreakerOpenError.self) { try await breaker.call(classify: classify) { 1 } }
    }

    @Test func concurrentCallersNeverExceedThePermittedTrialCalls() async throws {
        let breaker = breaker()
        for _ in 0..<4 { try call(breaker, .failure) }
        clock.advance(by: 30)
        let permitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<500 {
                group.addTask { (try? breaker.acquire()) != nil }
            }
            var count = 0
            for await ok in group where ok { count += 1 }
            return count
        }
        #expect(permitted == 3)
        #expect(breaker.snapshot().totals.notPermitted == 497)
    }

    @Test func concurrentRecordingKeepsExactTotals() async throws {
        let breaker = breaker(CircuitBreakerConfig(windowSize: 100, failureRateThreshold: 100, minimumCalls: 100))
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<1000 {
                group.addTask {
                    if let permit = try? breaker.acquire() { breaker.record(permit, index % 4 == 0 ? .failure : .success) }
                }
            }
        }
        let totals = breaker.snapshot().totals
        #expect(totals.successful == 750 && totals.failed == 250)
        #expect(breaker.currentState == .closed)
    }

    @Test func theRegistryHandsOutOneBreakerPerName() {
        let registry = BreakerRegistry(clock: clock)
        #expect(registry.breaker("provider:a") === registry.breaker("provider:a"))
        #expect(registry.breaker("provider:a") !== registry.breaker("tool:example.com"))
        #expect(registry.all.map(\.name) == ["provider:a", "tool:example.com"])
        registry.remove("provider:a")
        #expect(registry.existing("provider:a") == nil)
    }
}
