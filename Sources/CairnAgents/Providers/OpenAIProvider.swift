import CairnCore
import Foundation

/// The OpenAI-compatible Chat Completions API, streamed (`stream: true`). One type serves OpenAI,
/// Azure-style gateways, Ollama, vLLM, llama.cpp's server, LM Studio and OpenRouter: the base URL
/// is the part before `/chat/completions` (for OpenAI `https://api.openai.com/v1`).
public struct OpenAIProvider: LLMProvider {
    public static let defaultBaseURL = "https://api.openai.com/v1"
    public let name: String
    public let defaultModel: String
    let baseURL: String
    let apiKey: String?
    let timeout: Duration
    /// Ask for `usage` in the last chunk (`stream_options.include_usage`); some servers reject it.
    let includeUsage: Bool
    let extraHeaders: [(String, String)]

    public init(name: String, baseURL: String?, apiKey: String?, model: String, timeout: Duration, options: ProviderOptions = .init()) {
        self.name = name
        self.baseURL = Self.trimmed(baseURL ?? Self.defaultBaseURL)
        self.apiKey = apiKey
        self.defaultModel = model
        self.timeout = timeout
        includeUsage = options.includeUsage
        extraHeaders = options.headers.map { ($0.name, $0.value) }
    }

    static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    public func stream(_ request: ProviderRequest) -> AsyncThrowingStream<ProviderChunk, any Error> {
        var headers = extraHeaders
        if let apiKey, !apiKey.isEmpty { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let events = ProviderHTTP.events(url: baseURL + "/chat/completions", headers: headers, body: body(for: request), timeout: timeout)
        return ProviderHTTP.chunks(events, decoder: OpenAIStreamDecoder.self)
    }

    func body(for request: ProviderRequest) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model ?? defaultModel),
            "stream": true,
            "messages": .array(request.messages.map(Self.message)),
        ]
        if includeUsage { body["stream_options"] = ["include_usage": true] }
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let maxTokens = request.maxTokens { body["max_tokens"] = .number(Double(maxTokens)) }
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { tool in
                    [
                        "type": "function",
                        "function": ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters],
                    ]
                })
        }
        return .object(body)
    }

    static func message(_ message: ChatMessage) -> JSONValue {
        var object: [String: JSONValue] = ["role": .string(message.role.rawValue), "content": .string(message.content)]
        if !message.toolCalls.isEmpty {
            if message.content.isEmpty { object["content"] = .null }
            object["tool_calls"] = .array(
                message.toolCalls.map { call in
                    ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
                })
        }
        if let id = message.toolCallID { object["tool_call_id"] = .string(id) }
        return .object(object)
    }
}
