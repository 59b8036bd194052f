import CompressNIO
import HummingbirdWSCompression
import HummingbirdWebSocket
import NIOWebSocket

/// permessage-deflate whose decompression limit is the gateway's frame limit, and whose
/// "decompressed message too large" closes with 1009 (message too big), as an uncompressed
/// oversized message does. swift-websocket's own extension would close such a message with 1011
/// (server error), and its default limit (16 KiB) is below `messages.max_bytes`.
///
/// ```swift
/// configuration: .init(ws: .init(maxFrameSize: 65_536, extensions: [BoundedDeflate.factory(maxMessageBytes: 65_536)]))
/// ```
enum BoundedDeflate {
    static func factory(maxMessageBytes: Int) -> WebSocketExtensionFactory {
        // The decompressor refuses an output that reaches its limit, so allow one byte more.
        let inner = WebSocketExtensionFactory.perMessageDeflate(maxDecompressedFrameSize: maxMessageBytes + 1)
        return WebSocketExtensionFactory { Builder(inner: inner.build()) }
    }

    struct Builder: WebSocketExtensionBuilder {
        static var name: String { "permessage-deflate" }
        let inner: any WebSocketExtensionBuilder

        func clientRequestHeader() -> String { inner.clientRequestHeader() }
        func serverReponseHeader(to request: WebSocketExtensionHTTPParameters) -> String? { inner.serverReponseHeader(to: request) }
        func serverExtension(from request: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
            try inner.serverExtension(from: request).map(Limited.init)
        }
        func clientExtension(from request: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
            try inner.clientExtension(from: request).map(Limited.init)
        }
    }

    struct Limited: WebSocketExtension {
        let inner: any WebSocketExtension
        var name: String { inner.name }
        var reservedBits: WebSocketFrame.ReservedBits { inner.reservedBits }

        func processReceivedFrame(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
            do {
                return try await inner.processReceivedFrame(frame, context: context)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw NIOWebSocketError.invalidFrameLength  // closes 1009
            }
        }

        func processFrameToSend(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
            try await inner.processFrameToSend(frame, context: context)
        }

        func shutdown() async { await inner.shutdown() }
    }
}
