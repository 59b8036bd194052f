@testable import CairnAgents
import CairnCore
import Foundation
import Testing

@Suite("Provider wire formats")
struct ProviderCodecTests {
    /// Feeds `text` to a parser in pieces of `size` bytes, as a network would.
    func parse(_ text: String, pieces size: Int) throws -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            events += try parser.feed(bytes[index..<min(bytes.count, index + size)])
            index += size
        }
        if let last = parser.finish() { events.append(last) }
        return events
    }

    @Test(arguments: [1, 2, 3, 7, 1000])
    func serverSentEventsSurviveAnySplit(size: Int) throws {
        let stream = "event: message_start\r\ndata: {\"a\":\"é€😀\"}\r\n\r\n: a comment\n\ndata: line one\ndata: line two\n\nretry: 5\nid: 7\n\ndata:no-space\r\rdata: [DONE]"
        let events = try parse(stream, pieces: size)
        #expect(events == [
            ServerSentEvent(event: "message_start", data: "{\"a\":\"é€😀\"}"),
            ServerSentEvent(event: nil, data: "line one\nline two"),
            ServerSentEvent(event: nil, data: "no-space"),
            ServerSentEvent(event: nil, data: "[DONE]"),
        ])
    }

    @Test func anEndlessLineIsRefused() throws {
        var parser = ServerSentEventParser()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        #expect(throws: ServerSentEventParser.Failure.lineTooLong) {
            for _ in 0..<5 { _ = try parser.feed(chunk) }
        }
    }

    func openAI(_ chunks: [String]) throws -> [ProviderChunk] {
        var decoder = OpenAIStreamDecoder()
        var out: [ProviderChunk] = []
        for chunk in chunks { out += try decoder.decode(ServerSentEvent(event: nil, data: chunk)) }
        return out + (try decoder.finish())
    }

    @Test func openAIToolCallArgumentsArriveInPiecesAndUsageLast() throws {
        let chunks = try openAI([
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Let me "}}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"check."}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"calculator","arguments":""}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"expre"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"current_time","arguments":"{}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ssion\": \"6*7\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"choices":[],"usage":{"prompt_tokens":31,"completion_tokens":9,"total_tokens":40}}"#,
            "[DONE]",
        ])
        #expect(chunks == [
            .text("Let me "), .text("check."),
            .toolCall(ToolCall(id: "call_1", name: "calculator", arguments: #"{"expression": "6*7"}"#)),
            .toolCall(ToolCall(id: "call_2", name: "current_time", arguments: "{}")),
            .usage(input: 31, output: 9),
        ])
    }

    @Test func openAIStreamCutBeforeItsEndIsATransportError() throws {
        #expect(throws: ProviderError.transport("the stream ended before the answer was complete")) {
            try openAI([#"{"choices":[{"index":0,"delta":{"content":"Hal"}}]}"#])
        }
        #expect(throws: ProviderError.self) { try openAI(["{not json"]) }
        #expect(throws: ProviderError.http(status: 502, message: "error in stream: overloaded", retryAfter: nil)) {
            try openAI([#"{"error":{"message":"overloaded"}}"#])
        }
        // A server that ends with finish_reason but no [DONE] has still finished.
        #expect(try openAI([#"{"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}"#]) == [.text("ok")])
    }

    @Test func anthropicEventsBecomeTextToolCallsAndUsage() throws {
        var decoder = AnthropicStreamDecoder()
        let events: [(String, String)] = [
            ("message_start", #"{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":25,"output_tokens":1}}}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ("ping", #"{"type":"ping"}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            ("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"calculator","input":{}}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"expression\":"}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"6*7\"}"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":17}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ]
        var chunks: [ProviderChunk] = []
        for (name, data) in events { chunks += try decoder.decode(ServerSentEvent(event: name, data: data)) }
        #expect(decoder.done)
        #expect(chunks == [.text("Checking"), .toolCall(ToolCall(id: "toolu_1", name: "calculator", arguments: #"{"expression": "6*7"}"#)),
                           .usage(input: 25, output: 17)])
        var failing = AnthropicStreamDecoder()
        #expect(throws: ProviderError.http(status: 529, message: "error in stream: Overloaded", retryAfter: nil)) {
            try failing.decode(ServerSentEvent(event: "error", data: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#))
        }
    }

    @Test func anthropicRequestsCarryToolResultsAsUserBlocks() {
        let provider = AnthropicProvider(name: "a", baseURL: nil, apiKey: "k", model: "claude-test", timeout: .seconds(5))
        let body = provider.body(for: ProviderRequest(model: nil, messages: [
            ChatMessage(role: .system, content: "Be brief."),
            ChatMessage(role: .user, content: "6*7?"),
            ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "t1", name: "calculator", arguments: #"{"expression":"6*7"}"#),
                                                                    ToolCall(id: "t2", name: "current_time", arguments: "{}")]),
            ChatMessage(role: .tool, content: #"{"value":42}"#, toolCallID: "t1"),
            ChatMessage(role: .tool, content: #"{"iso8601":"x"}"#, toolCallID: "t2"),
        ], tools: [ToolSpec(name: "calculator", description: "math", parameters: ["type": "object"])], temperature: 1.5))
        #expect(body["system"] == "Be brief.")
        #expect(body["model"] == "claude-test")
        #expect(body["temperature"] == 1, "Anthropic accepts 0...1")
        let messages = body["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
        #expect(messages[1]["content"]?.arrayValue?.compactMap { $0["type"]?.stringValue } == ["tool_use", "tool_use"])
        #expect(messages[1]["content"]?[0]?["input"]?["expression"] == "6*7")
        #expect(messages[2]["content"]?.arrayValue?.compactMap { $0["tool_use_id"]?.stringValue } == ["t1", "t2"])
        #expect(body["tools"]?[0]?["input_schema"] == ["type": "object"])
    }

    @Test func openAIRequestsCarryToolCallsAndTheirResults() {
        let provider = OpenAIProvider(name: "o", baseURL: "http://127.0.0.1:1/v1/", apiKey: nil, model: "gpt-test", timeout: .seconds(5))
        #expect(provider.baseURL == "http://127.0.0.1:1/v1")
        let body = provider.body(for: ProviderRequest(model: "other", messages: [
            ChatMessage(role: .user, content: "6*7?"),
            ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "c1", name: "calculator", arguments: #"{"expression":"6*7"}"#)]),
            ChatMessage(role: .tool, content: #"{"value":42}"#, toolCallID: "c1"),
        ], tools: [], temperature: nil))
        #expect(body["model"] == "other")
        #expect(body["stream"] == true && body["stream_options"]?["include_usage"] == true)
        #expect(body["tools"] == nil)
        let messages = body["messages"]?.arrayValue ?? []
        #expect(messages[1]["content"] == .null)
        #expect(messages[1]["tool_calls"]?[0]?["function"]?["arguments"] == #"{"expression":"6*7"}"#)
        #expect(messages[2]["tool_call_id"] == "c1")
    }

    @Test func errorsAreClassifiedForRetriesBreakersAndRunErrors() {
        #expect(ProviderError.http(status: 429, message: "", retryAfter: 2).isRetryable)
        #expect(ProviderError.http(status: 503, message: "", retryAfter: nil).breakerOutcome == .failure)
        #expect(!ProviderError.http(status: 401, message: "bad key", retryAfter: nil).isRetryable)
        #expect(ProviderError.http(status: 401, message: "bad key", retryAfter: nil).breakerOutcome == .ignored)
        #expect(ProviderError.http(status: 400, message: "This model's maximum context length is 8192 tokens", retryAfter: nil).runErrorCode == "context_length_exceeded")
        #expect(ProviderError.http(status: 400, message: "prompt is too long: 210000 tokens", retryAfter: nil).runErrorCode == "context_length_exceeded")
        #expect(ProviderError.http(status: 404, message: "no such model", retryAfter: nil).runErrorCode == "provider_error")
        #expect(ProviderError.timeout(milliseconds: 100).isRetryable && ProviderError.transport("reset").isRetryable)
        #expect(ProviderError.retryAfter("3") == 3)
        #expect(ProviderError.retryAfter("Wed, 25 Nov 2026 00:00:10 GMT", now: Date(timeIntervalSince1970: 1_795_564_800)) == 10)
        #expect(ProviderError.retryAfter("soon") == nil)
        #expect(ProviderError.message(fromBody: #"{"error":{"message":"Rate limit reached","type":"requests"}}"#) == "Rate limit reached")
    }

    @Test func keysAreMaskedToTheirLastFourCharacters() {
        #expect(ProviderDirectory.mask("sk-proj-abcdefghijklmnop1234") == "****1234")
        #expect(ProviderDirectory.mask("short") == "****")
        #expect(ProviderDirectory.mask(nil) == nil && ProviderDirectory.mask("") == nil)
    }
}
