import CairnCore
import CairnStore
import Foundation

/// Something an agent can do. Arguments arrive already validated against `parameters`.
public protocol Tool: Sendable {
    var name: String { get }
    var description: String { get }
    /// JSON Schema (the subset `SchemaValidator` understands) of the arguments object.
    var parameters: JSONValue { get }
    func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue
}

/// What a tool may use: the run's identity and per-user storage, never another user's.
public struct ToolContext: Sendable {
    public let run: RunContext
    public let conversations: ConversationRepository
    public let notes: NoteRepository
    public let now: @Sendable () -> Date
    /// The settings in force when the run started.
    public let settings: EffectiveSettings
    /// Breakers for what tools reach outside the machine (`tool:HOST`).
    public let breakers: BreakerRegistry

    public init(run: RunContext, conversations: ConversationRepository, notes: NoteRepository, settings: EffectiveSettings,
                breakers: BreakerRegistry, now: @escaping @Sendable () -> Date) {
        self.run = run
        self.settings = settings
        self.breakers = breakers
        self.conversations = conversations
        self.notes = notes
        self.now = now
    }
}

/// A tool's own failure, shown to the model as the tool result's error.
public struct ToolFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
