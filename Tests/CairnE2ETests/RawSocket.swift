import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the server that sends exactly what a test says, when it says:
/// nothing at all, or a request head a few bytes at a time.
///
/// ```swift
/// let socket = try RawSocket(port: port)
/// try socket.send("GET / HTTP/1.1\r\n")
/// #expect(socket.closedByServer(within: .seconds(5)))
/// ```
final class RawSocket: Sendable {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw E2EError("connect to port \(port) failed: errno \(errno)")
        }
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
        let deadline = ContinuousClock.now + timeout
        var seen: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return false }
            seen += buffer[0..<count]
            if String(decoding: seen, as: UTF8.self).contains(text) { return true }
        }
        return false
    }

    /// True when the server closes the connection (end of stream or reset) within `timeout`;
    /// whatever the server sends before that is read and dropped.
    func closedByServer(within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return true }
        }
        return false
    }
}
