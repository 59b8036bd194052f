import CairnCore
import CairnStore
import Foundation

extension RunEngine {
    /// Every breaker, including one for each configured provider that has not been called yet.
    public func allBreakers() -> [CircuitBreaker] {
        for record in providers.records { _ = breakers.breaker(ProviderCaller.breakerName(record.name)) }
        return breakers.all
    }

    public func usageTotals(by grouping: UsageRepository.Grouping, since: Date?, until: Date? = nil) async throws -> [UsageRepository.Total] {
        try await usage.totals(by: grouping, since: since, until: until)
    }
}
