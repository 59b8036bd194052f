import CairnCore
import Foundation

/// Anthropic's Messages API, streamed: `message_start`, `content_block_start/delta/stop`,
/// `message_delta`, `message_stop`; tools as `tool_use` / `tool_result` blocks.
public struct AnthropicProvider: LLMProvider {
    public static let defaultBaseURL = "https://api.anthropic.com"
    public static let apiVersion = "2023-06-01"
    public let name: String
    public let defaultModel: String
    let baseURL: String
    let apiKey: String?
    let timeout: Duration
    let maxTokens: Int

    public init(name: String, baseURL: String?, apiKey: String?, model: String, timeout: Duration, options: ProviderOptions = .init()) {
        self.name = name
        self.baseURL = OpenAIProvider.trimmed(baseURL ?? Self.defaultBaseURL)
        self.apiKey = apiKey
        self.defaultModel = model
        self.timeout = timeout
        maxTokens = options.maxTokens
    }

    public func stream(_ request: ProviderRequest) -> AsyncThrowingStream<ProviderChunk, any Error> {
        var headers = [("anthropic-version", Self.apiVersion)]
        if let apiKey, !apiKey.isEmpty { headers.append(("x-api-key", apiKey)) }
        let events = ProviderHTTP.events(url: baseURL + "/v1/messages", headers: headers, body: body(for: request), timeout: timeout)
        return ProviderHTTP.chunks(events, decoder: AnthropicStreamDecoder.self)
    }

    func body(for request: ProviderRequest) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model ?? defaultModel),
            "max_tokens": .number(Double(request.maxTokens ?? maxTokens)),
            "stream": true,
            "messages": .array(Self.messages(request.messages)),
        ]
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        if !system.isEmpty { body["system"] = .string(system) }
        if let temperature = request.temperature { body["temperature"] = .number(min(temperature, 1)) }
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { ["name": .string($0.name), "description": .string($0.description), "input_schema": $0.parameters] })
        }
        return .object(body)
    }

    /// Conversation messages in Anthropic's shape: tool results travel as `tool_result` blocks of
    /// a user message, and consecutive messages of one role are merged.
    static func messages(_ messages: [ChatMessage]) -> [JSONValue] {
        var result: [(role: String, blocks: [JSONValue])] = []
        for message in messages where message.role != .system {
            var blocks: [JSONValue] = []
            let role: String
            switch message.role {
            case .tool:
                role = "user"
                blocks.append(["type": "tool_result", "tool_use_id": .string(message.toolCallID ?? ""), "content": .string(message.content)])
            case .assistant:
                role = "assistant"
                if !message.content.isEmpty { blocks.append(["type": "text", "text": .string(message.content)]) }
                for call in message.toolCalls {
                    let input = (try? JSONValue.parse(call.arguments)).flatMap { $0.objectValue == nil ? nil : $0 } ?? [:]
                    blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
                }
            default:
                role = "user"
                blocks.append(["type": "text", "text": .string(message.content)])
            }
            if blocks.isEmpty { continue }
            if result.last?.role == role {
                result[result.count - 1].blocks += blocks
            } else {
                result.append((role, blocks))
            }
        }
        return result.map { ["role": .string($0.role), "content": .array($0.blocks)] }
    }
}
