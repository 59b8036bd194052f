import Foundation

/// How a circuit breaker judges its calls (resilience4j semantics, count-based window).
public struct CircuitBreakerConfig: Sendable, Equatable {
    /// Outcomes kept in the sliding window.
    public var windowSize: Int = 20
    /// Failure rate (percent of recorded calls) at or above which the breaker opens.
    public var failureRateThreshold: Double = 50
    /// Slow-call rate (percent) at or above which the breaker opens.
    public var slowCallRateThreshold: Double = 100
    /// A call longer than this is slow (whether it succeeded or failed).
    public var slowCallDuration: TimeInterval = 30
    /// Calls recorded before the rates count at all (capped at the window size).
    public var minimumCalls: Int = 10
    /// How long OPEN rejects calls before letting trial calls through.
    public var waitInOpen: TimeInterval = 30
    /// Trial calls permitted in HALF_OPEN; all must finish before it decides.
    public var permittedCallsInHalfOpen: Int = 3
    /// How long HALF_OPEN waits for its trial calls to finish before opening again (0: no limit).
    public var maxWaitInHalfOpen: TimeInterval = 60

    public init() {}

    public init(
        windowSize: Int = 20, failureRateThreshold: Double = 50, slowCallRateThreshold: Double = 100, slowCallDuration: TimeInterval = 30,
        minimumCalls: Int = 10, waitInOpen: TimeInterval = 30, permittedCallsInHalfOpen: Int = 3, maxWaitInHalfOpen: TimeInterval = 60
    ) {
        self.windowSize = max(1, windowSize)
        self.failureRateThreshold = failureRateThreshold
        self.slowCallRateThreshold = slowCallRateThreshold
        self.slowCallDuration = slowCallDuration
        self.minimumCalls = max(1, minimumCalls)
        self.waitInOpen = waitInOpen
        self.permittedCallsInHalfOpen = max(1, permittedCallsInHalfOpen)
        self.maxWaitInHalfOpen = maxWaitInHalfOpen
    }

    /// The `breakers.*` settings.
    public init(settings: EffectiveSettings) {
        self.init(
            windowSize: settings[.breakersWindowSize],
            failureRateThreshold: Double(settings[.breakersFailureRatePercent]),
            slowCallRateThreshold: Double(settings[.breakersSlowCallRatePercent]),
            slowCallDuration: Double(settings[.breakersSlowCallMs]) / 1000,
            minimumCalls: settings[.breakersMinimumCalls],
            waitInOpen: Double(settings[.breakersOpenMs]) / 1000,
            permittedCallsInHalfOpen: settings[.breakersHalfOpenCalls],
            maxWaitInHalfOpen: Double(settings[.breakersHalfOpenMaxWaitMs]) / 1000)
    }
}
