import GRDB

/// One of each repository, all over the same database: built once where the application is
/// composed, then each service and route group is handed the ones it uses.
///
/// ```swift
/// let repositories = Repositories(store.pool)          // the server's database file
/// let auth = AuthService(repositories: repositories, settings: live, logger: logger)
/// let scratch = Repositories(try InMemoryDatabase.make())   // a migrated in-memory database, in tests
/// ```
public struct Repositories: Sendable {
    public let users: UserRepository
    public let sessions: SessionRepository
    public let apiKeys: APIKeyRepository
    public let setupTokens: SetupTokenRepository
    public let tickets: TicketRepository
    public let passwordResets: PasswordResetRepository
    public let signingKeys: SigningKeyRepository
    public let signInProviders: SignInProviderRepository
    public let audit: AuditRepository
    public let threads: ThreadRepository
    public let runs: RunRepository
    public let notes: NoteRepository
    public let usage: UsageRepository
    public let quotas: QuotaRepository
    public let agents: AgentRepository
    public let providers: ProviderRepository
    /// Runtime setting overrides and their history.
    public let settings: SettingsRepository
    public let backups: BackupRepository

    public init(_ database: any DatabaseWriter) {
        users = UserRepository(database)
        sessions = SessionRepository(database)
        apiKeys = APIKeyRepository(database)
        setupTokens = SetupTokenRepository(database)
        tickets = TicketRepository(database)
        passwordResets = PasswordResetRepository(database)
        signingKeys = SigningKeyRepository(database)
        signInProviders = SignInProviderRepository(database)
        audit = AuditRepository(database)
        threads = ThreadRepository(database)
        runs = RunRepository(database)
        notes = NoteRepository(database)
        usage = UsageRepository(database)
        quotas = QuotaRepository(database)
        agents = AgentRepository(database)
        providers = ProviderRepository(database)
        settings = SettingsRepository(database)
        backups = BackupRepository(database)
    }
}
