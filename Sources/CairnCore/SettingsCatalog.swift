/// Every configuration key Cairn knows, with defaults. The one list the README documents.
public enum SettingsCatalog {
    public static let all: [SettingDefinition] = [
        .init("server.host", "127.0.0.1", .string, "address to bind"),
        .init("server.port", "8080", .integer(0...65535), "TCP port (0 picks a free one)"),
        .init("server.body_limit_bytes", "1048576", .integer(1024...1_073_741_824), "largest accepted request body"),
        .init(
            "server.idle_timeout_seconds", "60", .integer(1...86_400),
            "how long a keep-alive connection may sit idle between requests, and a new one may take to send its first request head, before it is closed"
        ),
        .init(
            "server.public_url", "", .string,
            "the address people reach Cairn at (https://cairn.example.com), for sign-in callbacks; empty: taken from each request's Host"),
        .init("server.shutdown_grace_seconds", "10", .integer(0...300), "how long shutdown waits for in-flight requests"),
        .init("data.dir", "./cairn-data", .string, "directory holding cairn.db"),
        .init("database.synchronous", "normal", .choice(["normal", "full"]), "SQLite synchronous pragma"),
        .init("log.level", "info", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), "log level"),
        .init("log.format", "text", .choice(["text", "json"]), "log line format"),
        .init("auth.issuer", "cairn", .string, "JWT iss claim"),
        .init("auth.audience", "cairn", .string, "JWT aud claim"),
        .init("auth.access_ttl_seconds", "900", .integer(60...86_400), runtime: true, "access token lifetime"),
        .init("auth.refresh_ttl_seconds", "1209600", .integer(3_600...31_536_000), runtime: true, "refresh token / session lifetime"),
        .init("auth.leeway_seconds", "30", .integer(0...300), "clock skew tolerated when checking exp/nbf"),
        .init("auth.bcrypt_cost", "12", .integer(4...16), "bcrypt work factor"),
        .init("auth.registration", "open", .choice(["open", "approval", "closed"]), runtime: true, "who may register"),
        .init(
            "auth.lockout_threshold", "5", .integer(1...1_000), runtime: true,
            "failed logins from one client before that client is refused for the account"),
        .init(
            "auth.lockout_account_threshold", "20", .integer(1...100_000), runtime: true,
            "failed logins from all clients before the account locks for clients it does not know"),
        .init("auth.lockout_window_seconds", "900", .integer(1...86_400), runtime: true, "window in which failures count"),
        .init("auth.lockout_duration_seconds", "900", .integer(1...86_400), runtime: true, "how long a locked account stays locked"),
        .init("ratelimit.login_per_ip_per_minute", "30", .integer(1...100_000), runtime: true, "login attempts per client IP"),
        .init("ratelimit.login_per_account_per_minute", "10", .integer(1...100_000), runtime: true, "login attempts per email"),
        .init("ratelimit.register_per_ip_per_minute", "20", .integer(1...100_000), runtime: true, "registrations per client IP"),
        .init("ratelimit.refresh_per_session_per_minute", "30", .integer(1...100_000), runtime: true, "token refreshes per session"),
        .init("ratelimit.password_per_user_per_minute", "5", .integer(1...100_000), runtime: true, "password changes (each a bcrypt check) per user"),
        .init("ratelimit.ws_ticket_per_user_per_minute", "60", .integer(1...100_000), runtime: true, "WebSocket tickets per user"),
        .init("ratelimit.threads_per_user_per_minute", "60", .integer(1...100_000), runtime: true, "threads created per user"),
        .init("metrics.token", "", .string, secret: true, "bearer token that may read /metrics"),
        .init("runs.max_concurrent", "64", .integer(1...10_000), "runs executing at once, all users together"),
        .init("runs.max_per_user", "2", .integer(1...1_000), runtime: true, "runs executing at once per user"),
        .init("runs.queue_per_user", "10", .integer(0...10_000), runtime: true, "runs waiting per user before 429"),
        .init(
            "quotas.runs_per_day", "0", .integer(0...1_000_000_000), runtime: true,
            "runs each user may start per UTC day (0 = unlimited; a user's override wins)"),
        .init(
            "quotas.tokens_per_day", "0", .integer(0...1_000_000_000_000), runtime: true,
            "model tokens (in + out) each user may use per UTC day (0 = unlimited)"),
        .init(
            "quotas.tokens_per_month", "0", .integer(0...1_000_000_000_000), runtime: true,
            "model tokens each user may use per UTC month (0 = unlimited)"),
        .init("runs.timeout_seconds", "600", .integer(1...86_400), runtime: true, "deadline of a whole run"),
        .init("agents.step_timeout_seconds", "300", .integer(1...86_400), runtime: true, "deadline of one agent (pipeline step)"),
        .init("tools.timeout_seconds", "30", .integer(1...3_600), runtime: true, "deadline of one tool call"),
        .init("tools.http_get.enabled", "false", .boolean, runtime: true, "let agents fetch web pages with http_get"),
        .init(
            "tools.http_get.allowed_hosts", "", .string, runtime: true, "comma-separated hosts http_get may reach; '.example.com' allows subdomains"),
        .init("tools.http_get.allow_private", "false", .boolean, runtime: true, "let http_get reach loopback and private addresses"),
        .init("tools.http_get.max_bytes", "262144", .integer(1...10_485_760), runtime: true, "largest response body http_get returns"),
        .init(
            "backups.interval_hours", "24", .integer(0...8_760), runtime: true, "hours between scheduled backups into <data dir>/backups (0 = none)"),
        .init("backups.keep", "7", .integer(1...1_000), runtime: true, "scheduled backups kept; older ones are deleted"),
        .init("ws.max_frame_bytes", "65536", .integer(1024...16_777_216), "largest WebSocket message accepted (close 1009 beyond)"),
        .init("ws.messages_per_minute", "120", .integer(1...100_000), runtime: true, "client messages per connection per minute"),
        .init("ws.max_connections_per_user", "20", .integer(1...10_000), runtime: true, "open sockets per user; beyond it the oldest is closed 4429"),
        .init("ws.max_connections", "10000", .integer(1...1_000_000), "open sockets in total; beyond it a new socket is closed 1013"),
        .init("ws.outbound_queue", "1024", .integer(16...1_000_000), "frames buffered for a slow client before it is closed 1013"),
        .init("ws.ping_interval_seconds", "25", .integer(1...3_600), "WebSocket ping period; a peer that does not answer is closed"),
        .init("messages.max_bytes", "32768", .integer(1...1_048_576), runtime: true, "largest accepted user message"),
        .init("breakers.window_size", "20", .integer(1...1_000), "calls in each circuit breaker's sliding window"),
        .init("breakers.failure_rate_percent", "50", .integer(1...100), "failure rate that opens a breaker"),
        .init("breakers.slow_call_rate_percent", "100", .integer(1...100), "slow-call rate that opens a breaker"),
        .init("breakers.slow_call_ms", "30000", .integer(1...3_600_000), "a call longer than this is slow"),
        .init("breakers.minimum_calls", "10", .integer(1...1_000), "calls recorded before a breaker's rates count"),
        .init("breakers.open_ms", "30000", .integer(1...86_400_000), "how long an open breaker rejects calls before trial calls"),
        .init("breakers.half_open_calls", "3", .integer(1...100), "trial calls a half-open breaker permits"),
        .init("breakers.half_open_max_wait_ms", "60000", .integer(0...86_400_000), "how long half-open waits for its trial calls (0: no limit)"),
        .init(
            "providers.retry_base_ms", "500", .integer(1...60_000), runtime: true,
            "first retry delay of a model call (doubles per attempt, with jitter)"),
        .init(
            "providers.retry_max_delay_ms", "20000", .integer(1...600_000), runtime: true,
            "longest wait before a retry, Retry-After included; a longer Retry-After falls back instead"),
        .init("agents.offline_chunk_delay_ms", "15", .integer(0...60_000), runtime: true, "delay between streamed words of the offline model"),
    ]

    /// The largest value an integer setting may take (used to bound how long keys stay trusted).
    public static func maximum(_ setting: Setting<Int>) -> Int {
        guard case .integer(let range)? = byKey[setting.key]?.kind else { preconditionFailure("\(setting.key) is not an integer setting") }
        return range.upperBound
    }

    public static let byKey: [String: SettingDefinition] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
}
