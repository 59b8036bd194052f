import CairnCore

/// What a personal API key may do: `chat` (threads, runs, `/ws`; the default) or `read` (GET only).
public enum APIKeyScope: String, Sendable, Codable, Equatable, CaseIterable {
    case chat, read
}
