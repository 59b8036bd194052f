import CairnTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the server that sends exactly what a test says, when it says:
/// nothing at all, or a request head a few bytes at a time.
///
/// ```swift
/// let socket = try RawSocket(port: port)
/// socket.send("GET / HTTP/1.1\r\n")
/// #expect(socket.closedByServer(within: .seconds(5)))
/// ```
final class RawSocket: Sendable {
    private let fd: Int32

    init(port: Int) throws {
        fd = try LoopbackConnection.open(port: port)
    }

    deinit { Glibc.close(fd) }

    /// Writes `text`; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// True when what the server sends, read from now on, contains `text` within `timeout`.
    func received(_ text: String, within timeout: Duration) -> Bool {
        var seen: [UInt8] = []
        return read(within: timeout) { chunk in
            if chunk.isEmpty { return false }
            seen += chunk
            return String(decoding: seen, as: UTF8.self).contains(text) ? true : nil
        }
    }

    /// True when the server closes the connection (end of stream or reset) within `timeout`;
    /// whatever the server sends before that is read and dropped.
    func closedByServer(within timeout: Duration) -> Bool {
        read(within: timeout) { chunk in chunk.isEmpty ? true : nil }
    }

    /// Reads what arrives for at most `timeout`, handing each piece to `verdict` (an empty piece
    /// at the end of the stream or a reset) until it answers; false when time runs out first.
    private func read(within timeout: Duration, _ verdict: (ArraySlice<UInt8>) -> Bool?) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let count = max(recv(fd, &buffer, buffer.count, 0), 0)
            if let answer = verdict(buffer[0..<count]) { return answer }
        }
        return false
    }
}
