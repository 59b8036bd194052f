import CairnCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A scripted fake of a model vendor: a real HTTP/1.1 server on loopback (SwiftNIO) that answers
/// each request with the next scripted reply, in the vendor's real wire format, and records what
/// it was sent and when clients went away.
final class FakeVendor: Sendable {
    enum Reply: Sendable {
        /// 200 `text/event-stream`: each element is one raw event block; `gapMs` between blocks.
        case events([String], gapMs: Int = 0)
        /// An error status with a JSON body and extra headers (e.g. Retry-After).
        case status(Int, body: String, headers: [String: String] = [:])
        /// Starts a 200 event stream, sends these blocks, then drops the connection mid-body.
        case cut([String])
        /// Sends nothing at all until the client gives up (at most 30 s).
        case hang
    }

    struct Seen: Sendable {
        var bodies: [JSONValue] = []
        var headers: [[String: String]] = []
        var paths: [String] = []
        /// Replies during which the client closed the connection.
        var clientDisconnects = 0
    }

    /// The script and what was seen, shared with the connection handlers.
    final class Book: Sendable {
        let state = Mutex<(script: [Reply], fallback: Reply, seen: Seen)>(([], .status(500, body: #"{"error":{"message":"no scripted reply"}}"#), Seen()))
    }

    private let book = Book()
    private let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let serving: Task<Void, Never>
    let port: Int

    init() async throws {
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        port = server.channel.localAddress?.port ?? 0
        let server = self.server
        let book = self.book
        serving = Task {
            try? await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { await Self.serve(connection, book: book) }
                    }
                }
            }
        }
    }

    func close() async {
        try? await server.channel.close()
        serving.cancel()
    }

    /// Replies used in order; when they run out, `fallback` answers every request.
    func enqueue(_ replies: Reply...) { book.state.withLock { $0.script += replies } }
    func setFallback(_ reply: Reply) { book.state.withLock { $0.fallback = reply } }
    var seen: Seen { book.state.withLock { $0.seen } }
    var requestCount: Int { seen.bodies.count }

    private static func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
                              book: Book) async {
        let channel = connection.channel
        try? await connection.executeThenClose { inbound, outbound in
            var parts = inbound.makeAsyncIterator()
            while true {
                var head: HTTPRequestHead?
                var body = ByteBuffer()
                reading: while let part = try await parts.next() {
                    switch part {
                    case .head(let value): head = value
                    case .body(let chunk): body.writeImmutableBuffer(chunk)
                    case .end: break reading
                    }
                }
                guard let head else { return }
                let reply = book.state.withLock { state -> Reply in
                    state.seen.bodies.append((try? JSONValue.parse(String(buffer: body))) ?? .null)
                    state.seen.headers.append(Dictionary(head.headers.map { ($0.name.lowercased(), $0.value) }) { $1 })
                    state.seen.paths.append(head.uri)
                    return state.script.isEmpty ? state.fallback : state.script.removeFirst()
                }
                let disconnected = { book.state.withLock { $0.seen.clientDisconnects += 1 } }
                switch reply {
                case .status(let code, let text, let extra):
                    var headers = HTTPHeaders([("content-type", "application/json"), ("content-length", "\(text.utf8.count)")])
                    for (name, value) in extra { headers.add(name: name, value: value) }
                    try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: code), headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: text))))
                    try await outbound.write(.end(nil))
                case .events(let blocks, let gap):
                    try await outbound.write(.head(Self.streamHead))
                    for block in blocks {
                        if gap > 0 { try await Task.sleep(for: .milliseconds(gap)) }
                        do {
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(string: block))))
                        } catch {
                            disconnected()
                            return
                        }
                        if gap > 0, !channel.isActive {
                            disconnected()
                            return
                        }
                    }
                    try await outbound.write(.end(nil))
                case .cut(let blocks):
                    try await outbound.write(.head(Self.streamHead))
                    for block in blocks { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: block)))) }
                    try await Task.sleep(for: .milliseconds(20))
                    try await channel.close()
                    return
                case .hang:
                    let deadline = ContinuousClock.now + .seconds(30)
                    while channel.isActive, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                    if !channel.isActive { disconnected() }
                    return
                }
            }
        }
    }

    static let streamHead = HTTPResponseHead(version: .http1_1, status: .ok,
                                             headers: HTTPHeaders([("content-type", "text/event-stream"), ("cache-control", "no-cache")]))
}

/// The OpenAI Chat Completions stream, as the vendor sends it.
enum OpenAIWire {
    static func data(_ json: JSONValue) -> String { "data: \(json.jsonText)\n\n" }
    static let done = "data: [DONE]\n\n"

    static func chunk(_ delta: JSONValue, finish: String? = nil) -> String {
        data(["id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-fake",
              "choices": [["index": 0, "delta": delta, "finish_reason": finish.map { .string($0) } ?? .null]]])
    }

    static func usage(_ input: Int, _ output: Int) -> String {
        data(["id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
              "usage": ["prompt_tokens": .number(Double(input)), "completion_tokens": .number(Double(output)),
                        "total_tokens": .number(Double(input + output))]])
    }

    /// A text answer streamed in `pieces`, then finish, usage and [DONE].
    static func text(_ pieces: [String], usage input: Int = 12, _ output: Int = 5) -> [String] {
        [chunk(["role": "assistant", "content": ""])] + pieces.map { chunk(["content": .string($0)]) }
            + [chunk([:], finish: "stop"), usage(input, output), done]
    }

    /// One tool call whose arguments arrive in `pieces`.
    static func toolCall(id: String, name: String, arguments pieces: [String], usage input: Int = 20, _ output: Int = 8) -> [String] {
        var blocks = [chunk(["role": "assistant", "content": .null,
                             "tool_calls": [["index": 0, "id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": ""]]]])]
        blocks += pieces.map { chunk(["tool_calls": [["index": 0, "function": ["arguments": .string($0)]]]]) }
        return blocks + [chunk([:], finish: "tool_calls"), usage(input, output), done]
    }
}

/// The Anthropic Messages stream, as the vendor sends it.
enum AnthropicWire {
    static func event(_ name: String, _ json: JSONValue) -> String { "event: \(name)\ndata: \(json.jsonText)\n\n" }

    static func start(_ input: Int) -> String {
        event("message_start", ["type": "message_start", "message": ["id": "msg_1", "type": "message", "role": "assistant", "content": [],
                                                                      "model": "claude-fake", "usage": ["input_tokens": .number(Double(input)), "output_tokens": 1]]])
    }

    static func stop(_ reason: String, output: Int) -> [String] {
        [event("message_delta", ["type": "message_delta", "delta": ["stop_reason": .string(reason)], "usage": ["output_tokens": .number(Double(output))]]),
         event("message_stop", ["type": "message_stop"])]
    }

    static func text(_ pieces: [String], usage input: Int = 15, _ output: Int = 6) -> [String] {
        [start(input), event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]]),
         event("ping", ["type": "ping"])]
            + pieces.map { event("content_block_delta", ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": .string($0)]]) }
            + [event("content_block_stop", ["type": "content_block_stop", "index": 0])] + stop("end_turn", output: output)
    }

    static func toolUse(id: String, name: String, json pieces: [String], usage input: Int = 30, _ output: Int = 10) -> [String] {
        [start(input), event("content_block_start", ["type": "content_block_start", "index": 0,
                                                     "content_block": ["type": "tool_use", "id": .string(id), "name": .string(name), "input": [:]]])]
            + pieces.map { event("content_block_delta", ["type": "content_block_delta", "index": 0,
                                                         "delta": ["type": "input_json_delta", "partial_json": .string($0)]]) }
            + [event("content_block_stop", ["type": "content_block_stop", "index": 0])] + stop("tool_use", output: output)
    }
}
