import CairnCore

/// A language model behind a streaming interface. Implementations must stop promptly when the
/// consuming task is cancelled.
///
/// A provider makes exactly one attempt per `stream(_:)` and reports it as chunks: text deltas,
/// tool calls and token usage. Failures are thrown as `ProviderError`; `ProviderCaller` decides
/// on retries, the provider's breaker (`provider:NAME`) and fallback to the next provider.
///
/// ```swift
/// struct EchoProvider: LLMProvider {
///     let name = "echo"
///     let defaultModel = "echo-1"
///
///     func stream(_ request: ProviderRequest) -> AsyncThrowingStream<ProviderChunk, any Error> {
///         AsyncThrowingStream { continuation in
///             continuation.yield(.text(request.messages.last?.content ?? ""))
///             continuation.yield(.usage(input: 1, output: 1))
///             continuation.finish()
///         }
///     }
/// }
/// ```
public protocol LLMProvider: Sendable {
    /// The configured instance's name (`openai`, `local-llama`, ...).
    var name: String { get }
    /// The model used when a request names none.
    var defaultModel: String { get }
    func stream(_ request: ProviderRequest) -> AsyncThrowingStream<ProviderChunk, any Error>
}
