import Foundation

/// Per-user limits on runs and model tokens. A nil field falls back to the default for
/// everyone (the `quotas.*` settings); 0 means unlimited.
///
///     let limits = QuotaLimits.effective(override: user.quota, settings: live.snapshot)
///     if let refusal = limits.refusal(for: usage, now: now) { throw refusal }
public struct QuotaLimits: Sendable, Equatable, Codable {
    public var runsPerDay: Int?
    public var tokensPerDay: Int?
    public var tokensPerMonth: Int?

    public init(runsPerDay: Int? = nil, tokensPerDay: Int? = nil, tokensPerMonth: Int? = nil) {
        self.runsPerDay = runsPerDay
        self.tokensPerDay = tokensPerDay
        self.tokensPerMonth = tokensPerMonth
    }

    /// The largest value a limit may take.
    public static let maximum = 1_000_000_000_000

    public var isEmpty: Bool { runsPerDay == nil && tokensPerDay == nil && tokensPerMonth == nil }

    /// The limits in force: each field of `override` where set, the default otherwise.
    public static func effective(override: QuotaLimits?, settings: EffectiveSettings) -> QuotaLimits {
        QuotaLimits(
            runsPerDay: override?.runsPerDay ?? settings[.quotasRunsPerDay],
            tokensPerDay: override?.tokensPerDay ?? settings[.quotasTokensPerDay],
            tokensPerMonth: override?.tokensPerMonth ?? settings[.quotasTokensPerMonth])
    }

    /// Whether any limit applies (all zero: nothing to count).
    public var limitsAnything: Bool { [runsPerDay, tokensPerDay, tokensPerMonth].contains { ($0 ?? 0) > 0 } }

    /// The 429 for the first limit `usage` has reached, or nil when one more run may start.
    public func refusal(for usage: QuotaUsage, now: Date) -> CairnError? {
        let periods = QuotaPeriods(now: now)
        let checks: [(String, Int?, Int, Date)] = [
            ("runs_per_day", runsPerDay, usage.runsToday, periods.nextDay),
            ("tokens_per_day", tokensPerDay, usage.tokensToday, periods.nextDay),
            ("tokens_per_month", tokensPerMonth, usage.tokensMonth, periods.nextMonth),
        ]
        for (name, limit, used, resets) in checks {
            guard let limit, limit > 0, used >= limit else { continue }
            let what = name == "runs_per_day" ? "runs per day" : name == "tokens_per_day" ? "tokens per day" : "tokens per month"
            return CairnError(
                .quotaExceeded, "quota reached: \(used) of \(limit) \(what); it resets at \(UTCTimestamp.format(resets))",
                details: ["limit": name, "value": String(limit), "used": String(used), "resets_at": UTCTimestamp.format(resets)],
                retryAfter: max(1, Int(resets.timeIntervalSince(now).rounded(.up))))
        }
        return nil
    }
}

/// What a user has used in the current UTC day and month.
public struct QuotaUsage: Sendable, Equatable, Codable {
    public var runsToday: Int
    public var tokensToday: Int
    public var tokensMonth: Int

    public init(runsToday: Int = 0, tokensToday: Int = 0, tokensMonth: Int = 0) {
        self.runsToday = runsToday
        self.tokensToday = tokensToday
        self.tokensMonth = tokensMonth
    }
}

/// The UTC day and month a moment falls in, and when each ends.
public struct QuotaPeriods: Sendable, Equatable {
    public let dayStart: Date, nextDay: Date, monthStart: Date, nextMonth: Date

    public init(now: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.startOfDay(for: now)
        dayStart = day
        nextDay = calendar.date(byAdding: .day, value: 1, to: day)!
        let month = calendar.date(from: calendar.dateComponents([.year, .month], from: now))!
        monthStart = month
        nextMonth = calendar.date(byAdding: .month, value: 1, to: month)!
    }
}
