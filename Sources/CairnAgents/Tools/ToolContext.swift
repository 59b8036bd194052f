import CairnCore
import CairnStore
import Foundation

/// What a tool may use: the run's identity and per-user storage, never another user's.
public struct ToolContext: Sendable {
    public let run: RunContext
    public let threads: ThreadRepository
    public let notes: NoteRepository
    public let now: @Sendable () -> Date
    /// The settings in force when the run started.
    public let settings: EffectiveSettings
    /// Breakers for what tools reach outside the machine (`tool:HOST`).
    public let breakers: BreakerRegistry

    public init(
        run: RunContext, threads: ThreadRepository, notes: NoteRepository, settings: EffectiveSettings,
        breakers: BreakerRegistry, now: @escaping @Sendable () -> Date
    ) {
        self.run = run
        self.settings = settings
        self.breakers = breakers
        self.threads = threads
        self.notes = notes
        self.now = now
    }
}
