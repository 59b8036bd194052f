import CairnCore
import Foundation

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
