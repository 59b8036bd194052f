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
            body["tools"] = .array(request.tools.map { tool in
                ["type": "function", "function": ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters]]
            })
        }
        return .object(body)
    }

    static func message(_ message: ChatMessage) -> JSONValue {
        var object: [String: JSONValue] = ["role": .string(message.role.rawValue), "content": .string(message.content)]
        if !message.toolCalls.isEmpty {
            if message.content.isEmpty { object["content"] = .null }
            object["tool_calls"] = .array(message.toolCalls.map { call in
                ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
            })
        }
        if let id = message.toolCallID { object["tool_call_id"] = .string(id) }
        return .object(object)
    }
}

/// Turns Chat Completions stream chunks into provider chunks: text as it comes, tool calls once
/// their arguments are complete (they arrive in pieces, keyed by `index`), usage at the end.
struct OpenAIStreamDecoder: StreamDecoder {
    private var calls: [Int: (id: String?, name: String, arguments: String)] = [:]
    private var usage: (Int, Int)?
    private var finishReason: String?
    private(set) var done = false

    mutating func decode(_ event: ServerSentEvent) throws -> [ProviderChunk] {
        let data = event.data.trimmingCharacters(in: .whitespaces)
        if data == "[DONE]" {
            done = true
            return []
        }
        if data.isEmpty { return [] }
        guard let json = try? JSONValue.parse(data) else { throw ProviderError.malformed("chunk is not JSON: \(data.prefix(120))") }
        if let error = json["error"], error != .null {
            let message = error["message"]?.stringValue ?? error.stringValue ?? error.jsonText
            let status = error["code"]?.intValue ?? 0
            throw ProviderError.http(status: (400..<600).contains(status) ? status : 502, message: "error in stream: \(message)", retryAfter: nil)
        }
        if let counts = json["usage"], counts != .null {
            usage = (ProviderWire.tokens(counts["prompt_tokens"]), ProviderWire.tokens(counts["completion_tokens"]))
        }
        var chunks: [ProviderChunk] = []
        for choice in json["choices"]?.arrayValue ?? [] {
            let delta = choice["delta"] ?? [:]
            if let text = delta["content"]?.stringValue, !text.isEmpty { chunks.append(.text(text)) }
            for call in delta["tool_calls"]?.arrayValue ?? [] {
                let index = try ProviderWire.index(call["index"], default: calls.count)
                var current = calls[index] ?? (nil, "", "")
                if let id = call["id"]?.stringValue, !id.isEmpty { current.id = id }
                if let name = call["function"]?["name"]?.stringValue { current.name += name }
                if let arguments = call["function"]?["arguments"]?.stringValue { current.arguments += arguments }
                if current.arguments.utf8.count > ProviderWire.maxToolArgumentBytes { throw ProviderWire.oversizedArguments }
                calls[index] = current
            }
            if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        }
        return chunks
    }

    /// The tool calls and usage, once the stream has ended; a stream that stopped before its
    /// end marker was cut off.
    mutating func finish() throws -> [ProviderChunk] {
        guard done || finishReason != nil else { throw ProviderError.transport("the stream ended before the answer was complete") }
        if finishReason == "length", calls.isEmpty == false {
            throw ProviderError.malformed("the answer hit the token limit in the middle of a tool call")
        }
        var chunks: [ProviderChunk] = calls.keys.sorted().compactMap { index in
            guard let call = calls[index], !call.name.isEmpty else { return nil }
            return .toolCall(ToolCall(id: call.id ?? "call_\(index)", name: call.name, arguments: call.arguments.isEmpty ? "{}" : call.arguments))
        }
        if let usage { chunks.append(.usage(input: usage.0, output: usage.1)) }
        return chunks
    }
}
