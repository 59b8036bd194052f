/// A setting's key with the type its value reads as, so a misspelt key or a wrong type does not
/// compile. The catalogue below has one entry per row of `SettingsCatalog.all` (a unit test keeps
/// the two equal both ways).
///
/// ```swift
/// let port = settings[.serverPort]             // Int
/// let mode = settings[.authRegistration]       // String ("open", "approval" or "closed")
/// settings[.toolsHTTPGetEnabled]               // Bool
/// ```
public struct Setting<Value>: Sendable {
    public let key: String
    init(_ key: String) { self.key = key }
}

extension Setting where Value == Int {
    public static var serverPort: Self { Self("server.port") }
    public static var serverBodyLimitBytes: Self { Self("server.body_limit_bytes") }
    public static var serverIdleTimeoutSeconds: Self { Self("server.idle_timeout_seconds") }
    public static var serverShutdownGraceSeconds: Self { Self("server.shutdown_grace_seconds") }
    public static var authAccessTTLSeconds: Self { Self("auth.access_ttl_seconds") }
    public static var authRefreshTTLSeconds: Self { Self("auth.refresh_ttl_seconds") }
    public static var authLeewaySeconds: Self { Self("auth.leeway_seconds") }
    public static var authBcryptCost: Self { Self("auth.bcrypt_cost") }
    public static var authLockoutThreshold: Self { Self("auth.lockout_threshold") }
    public static var authLockoutAccountThreshold: Self { Self("auth.lockout_account_threshold") }
    public static var authLockoutWindowSeconds: Self { Self("auth.lockout_window_seconds") }
    public static var authLockoutDurationSeconds: Self { Self("auth.lockout_duration_seconds") }
    public static var ratelimitLoginPerIPPerMinute: Self { Self("ratelimit.login_per_ip_per_minute") }
    public static var ratelimitLoginPerAccountPerMinute: Self { Self("ratelimit.login_per_account_per_minute") }
    public static var ratelimitRegisterPerIPPerMinute: Self { Self("ratelimit.register_per_ip_per_minute") }
    public static var ratelimitRefreshPerSessionPerMinute: Self { Self("ratelimit.refresh_per_session_per_minute") }
    public static var ratelimitPasswordPerUserPerMinute: Self { Self("ratelimit.password_per_user_per_minute") }
    public static var ratelimitWSTicketPerUserPerMinute: Self { Self("ratelimit.ws_ticket_per_user_per_minute") }
    public static var ratelimitThreadsPerUserPerMinute: Self { Self("ratelimit.threads_per_user_per_minute") }
    public static var runsMaxConcurrent: Self { Self("runs.max_concurrent") }
    public static var runsMaxPerUser: Self { Self("runs.max_per_user") }
    public static var runsQueuePerUser: Self { Self("runs.queue_per_user") }
    public static var quotasRunsPerDay: Self { Self("quotas.runs_per_day") }
    public static var quotasTokensPerDay: Self { Self("quotas.tokens_per_day") }
    public static var quotasTokensPerMonth: Self { Self("quotas.tokens_per_month") }
    public static var runsTimeoutSeconds: Self { Self("runs.timeout_seconds") }
    public static var agentsStepTimeoutSeconds: Self { Self("agents.step_timeout_seconds") }
    public static var toolsTimeoutSeconds: Self { Self("tools.timeout_seconds") }
    public static var toolsHTTPGetMaxBytes: Self { Self("tools.http_get.max_bytes") }
    public static var backupsIntervalHours: Self { Self("backups.interval_hours") }
    public static var backupsKeep: Self { Self("backups.keep") }
    public static var wsMaxFrameBytes: Self { Self("ws.max_frame_bytes") }
    public static var wsMessagesPerMinute: Self { Self("ws.messages_per_minute") }
    public static var wsMaxConnectionsPerUser: Self { Self("ws.max_connections_per_user") }
    public static var wsMaxConnections: Self { Self("ws.max_connections") }
    public static var wsOutboundQueue: Self { Self("ws.outbound_queue") }
    public static var wsPingIntervalSeconds: Self { Self("ws.ping_interval_seconds") }
    public static var messagesMaxBytes: Self { Self("messages.max_bytes") }
    public static var breakersWindowSize: Self { Self("breakers.window_size") }
    public static var breakersFailureRatePercent: Self { Self("breakers.failure_rate_percent") }
    public static var breakersSlowCallRatePercent: Self { Self("breakers.slow_call_rate_percent") }
    public static var breakersSlowCallMs: Self { Self("breakers.slow_call_ms") }
    public static var breakersMinimumCalls: Self { Self("breakers.minimum_calls") }
    public static var breakersOpenMs: Self { Self("breakers.open_ms") }
    public static var breakersHalfOpenCalls: Self { Self("breakers.half_open_calls") }
    public static var breakersHalfOpenMaxWaitMs: Self { Self("breakers.half_open_max_wait_ms") }
    public static var providersRetryBaseMs: Self { Self("providers.retry_base_ms") }
    public static var providersRetryMaxDelayMs: Self { Self("providers.retry_max_delay_ms") }
    public static var agentsOfflineChunkDelayMs: Self { Self("agents.offline_chunk_delay_ms") }
}

extension Setting where Value == String {
    public static var serverHost: Self { Self("server.host") }
    public static var serverPublicURL: Self { Self("server.public_url") }
    public static var dataDir: Self { Self("data.dir") }
    public static var databaseSynchronous: Self { Self("database.synchronous") }
    public static var logLevel: Self { Self("log.level") }
    public static var logFormat: Self { Self("log.format") }
    public static var authIssuer: Self { Self("auth.issuer") }
    public static var authAudience: Self { Self("auth.audience") }
    public static var authRegistration: Self { Self("auth.registration") }
    public static var metricsToken: Self { Self("metrics.token") }
    public static var toolsHTTPGetAllowedHosts: Self { Self("tools.http_get.allowed_hosts") }
}

extension Setting where Value == Bool {
    public static var toolsHTTPGetEnabled: Self { Self("tools.http_get.enabled") }
    public static var toolsHTTPGetAllowPrivate: Self { Self("tools.http_get.allow_private") }
}

extension SettingsCatalog {
    /// Every typed key with its value type's name, to check against `all`.
    static let typedKeys: [String: String] = [
        "server.host": "String",
        "server.port": "Int",
        "server.body_limit_bytes": "Int",
        "server.idle_timeout_seconds": "Int",
        "server.public_url": "String",
        "server.shutdown_grace_seconds": "Int",
        "data.dir": "String",
        "database.synchronous": "String",
        "log.level": "String",
        "log.format": "String",
        "auth.issuer": "String",
        "auth.audience": "String",
        "auth.access_ttl_seconds": "Int",
        "auth.refresh_ttl_seconds": "Int",
        "auth.leeway_seconds": "Int",
        "auth.bcrypt_cost": "Int",
        "auth.registration": "String",
        "auth.lockout_threshold": "Int",
        "auth.lockout_account_threshold": "Int",
        "auth.lockout_window_seconds": "Int",
        "auth.lockout_duration_seconds": "Int",
        "ratelimit.login_per_ip_per_minute": "Int",
        "ratelimit.login_per_account_per_minute": "Int",
        "ratelimit.register_per_ip_per_minute": "Int",
        "ratelimit.refresh_per_session_per_minute": "Int",
        "ratelimit.password_per_user_per_minute": "Int",
        "ratelimit.ws_ticket_per_user_per_minute": "Int",
        "ratelimit.threads_per_user_per_minute": "Int",
        "metrics.token": "String",
        "runs.max_concurrent": "Int",
        "runs.max_per_user": "Int",
        "runs.queue_per_user": "Int",
        "quotas.runs_per_day": "Int",
        "quotas.tokens_per_day": "Int",
        "quotas.tokens_per_month": "Int",
        "runs.timeout_seconds": "Int",
        "agents.step_timeout_seconds": "Int",
        "tools.timeout_seconds": "Int",
        "tools.http_get.enabled": "Bool",
        "tools.http_get.allowed_hosts": "String",
        "tools.http_get.allow_private": "Bool",
        "tools.http_get.max_bytes": "Int",
        "backups.interval_hours": "Int",
        "backups.keep": "Int",
        "ws.max_frame_bytes": "Int",
        "ws.messages_per_minute": "Int",
        "ws.max_connections_per_user": "Int",
        "ws.max_connections": "Int",
        "ws.outbound_queue": "Int",
        "ws.ping_interval_seconds": "Int",
        "messages.max_bytes": "Int",
        "breakers.window_size": "Int",
        "breakers.failure_rate_percent": "Int",
        "breakers.slow_call_rate_percent": "Int",
        "breakers.slow_call_ms": "Int",
        "breakers.minimum_calls": "Int",
        "breakers.open_ms": "Int",
        "breakers.half_open_calls": "Int",
        "breakers.half_open_max_wait_ms": "Int",
        "providers.retry_base_ms": "Int",
        "providers.retry_max_delay_ms": "Int",
        "agents.offline_chunk_delay_ms": "Int",
    ]
}
