import CairnCore
import Foundation

/// Turns Messages API stream events into provider chunks.
struct AnthropicStreamDecoder: StreamDecoder {
    private var blocks: [Int: (id: String, name: String, json: String)] = [:]
    private var inputTokens = 0
    private var outputTokens = 0
    private(set) var done = false

    mutating func finish() throws -> [ProviderChunk] {
        guard done else { throw ProviderError.transport("the stream ended before message_stop") }
        return []
    }

    mutating func decode(_ event: ServerSentEvent) throws -> [ProviderChunk] {
        guard !event.data.isEmpty else { return [] }
        guard let json = try? JSONValue.parse(event.data) else { throw ProviderError.malformed("event data is not JSON: \(event.data.prefix(120))") }
        let type = json["type"]?.stringValue ?? event.event ?? ""
        switch type {
        case "message_start":
            let usage = json["message"]?["usage"]
            inputTokens = ProviderWire.tokens(usage?["input_tokens"])
            outputTokens = ProviderWire.tokens(usage?["output_tokens"])
        case "content_block_start":
            let block = json["content_block"] ?? [:]
            let index = try ProviderWire.index(json["index"], default: 0)
            if block["type"]?.stringValue == "tool_use" {
                blocks[index] = (block["id"]?.stringValue ?? "toolu_\(index)", block["name"]?.stringValue ?? "", "")
            } else if let text = block["text"]?.stringValue, !text.isEmpty {
                return [.text(text)]
            }
        case "content_block_delta":
            let delta = json["delta"] ?? [:]
            let index = try ProviderWire.index(json["index"], default: 0)
            switch delta["type"]?.stringValue {
            case "text_delta":
                if let text = delta["text"]?.stringValue, !text.isEmpty { return [.text(text)] }
            case "input_json_delta":
                blocks[index]?.json += delta["partial_json"]?.stringValue ?? ""
                if (blocks[index]?.json.utf8.count ?? 0) > ProviderWire.maxToolArgumentBytes { throw ProviderWire.oversizedArguments }
            default: break
            }
        case "content_block_stop":
            let index = try ProviderWire.index(json["index"], default: 0)
            if let block = blocks.removeValue(forKey: index) {
                return [.toolCall(ToolCall(id: block.id, name: block.name, arguments: block.json.isEmpty ? "{}" : block.json))]
            }
        case "message_delta":
            if json["usage"]?["output_tokens"] != nil { outputTokens = ProviderWire.tokens(json["usage"]?["output_tokens"]) }
            let input = ProviderWire.tokens(json["usage"]?["input_tokens"])
            if input > 0 { inputTokens = input }
        case "message_stop":
            done = true
            return [.usage(input: inputTokens, output: outputTokens)]
        case "error":
            let kind = json["error"]?["type"]?.stringValue ?? "error"
            let message = json["error"]?["message"]?.stringValue ?? kind
            let status =
                switch kind {
                case "overloaded_error": 529
                case "rate_limit_error": 429
                case "invalid_request_error": 400
                case "authentication_error": 401
                case "permission_error": 403
                case "not_found_error": 404
                default: 500
                }
            throw ProviderError.http(status: status, message: "error in stream: \(message)", retryAfter: nil)
        default:
            break  // ping and future event types
        }
        return []
    }
}
