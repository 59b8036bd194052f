import Synchronization

/// The one place breakers live: one per provider instance (`provider:NAME`), per external tool
/// host (`tool:HOST`), per OIDC provider (`oidc:ID`). Created on first use with the configured defaults.
///
/// ```swift
/// let breakers = BreakerRegistry(config: CircuitBreakerConfig(settings: settings))
/// let breaker = breakers.breaker("tool:example.com")    // the same instance on every call
/// let states = breakers.all.map { $0.snapshot().state }
/// ```
public final class BreakerRegistry: Sendable {
    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let config: CircuitBreakerConfig
    private let clock: any WallClock

    public init(config: CircuitBreakerConfig = CircuitBreakerConfig(), clock: any WallClock = SystemClock()) {
        self.config = config
        self.clock = clock
    }

    public func breaker(_ name: String) -> CircuitBreaker {
        breakers.withLock { all in
            if let existing = all[name] { return existing }
            let created = CircuitBreaker(name: name, config: config, clock: clock)
            all[name] = created
            return created
        }
    }

    /// An existing breaker, without creating one.
    public func existing(_ name: String) -> CircuitBreaker? {
        breakers.withLock { $0[name] }
    }

    /// Forgets a breaker (its provider was deleted).
    public func remove(_ name: String) {
        breakers.withLock { _ = $0.removeValue(forKey: name) }
    }

    public var all: [CircuitBreaker] {
        breakers.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }
}
