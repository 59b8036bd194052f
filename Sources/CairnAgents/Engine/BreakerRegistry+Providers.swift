import CairnCore
import CairnStore
import Foundation

extension BreakerRegistry {
    /// Every breaker, including one for each configured provider that has not been called yet
    /// (the console and `/metrics` list a provider's breaker before its first call).
    ///
    /// ```swift
    /// let shown = breakers.all(withProvidersOf: providers).map { $0.snapshot() }
    /// ```
    public func all(withProvidersOf providers: ProviderDirectory) -> [CircuitBreaker] {
        for record in providers.records { _ = breaker(ProviderCaller.breakerName(record.name)) }
        return all
    }
}
