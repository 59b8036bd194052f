/// One server-sent event.
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String?
    public var data: String
}

/// Incremental parser of a `text/event-stream` body: feed it bytes as they arrive, in chunks
/// split anywhere (even inside a UTF-8 sequence or a CRLF), and it returns complete events.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var event: String?
    private var data: [String] = []
    private var hasData = false
    private var lastWasCR = false
    /// A line longer than this is a malformed stream, not a reason to grow without bound.
    public static let maxLineBytes = 4 * 1024 * 1024

    public init() {}

    public enum Failure: Error, Equatable { case lineTooLong }

    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws -> [ServerSentEvent] where Bytes.Element == UInt8 {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n"), lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
                if line.count > Self.maxLineBytes { throw Failure.lineTooLong }
            }
        }
        return events
    }

    /// Dispatches a last event whose blank line never came (the stream ended).
    public mutating func finish() -> ServerSentEvent? {
        if !line.isEmpty { _ = endLine() }
        return endLine()
    }

    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard hasData else {
                event = nil
                return nil
            }
            let dispatched = ServerSentEvent(event: event, data: data.joined(separator: "\n"))
            event = nil
            data.removeAll()
            hasData = false
            return dispatched
        }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "event": event = String(value)
        case "data":
            data.append(String(value))
            hasData = true
        default: break
        }
        return nil
    }
}
