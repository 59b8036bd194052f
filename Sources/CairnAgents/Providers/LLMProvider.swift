import CairnCore

/// A language model behind a streaming interface. Implementations must stop promptly when the
/// consuming task is cancelled.
public protocol LLMProvider: Sendable {
    /// The configured instance's name (`openai`, `local-llama`, ...).
    var name: String { get }
    /// The model used when a request names none.
    var defaultModel: String { get }
    func stream(_ request: ProviderRequest) -> AsyncThrowingStream<ProviderChunk, any Error>
}
