import CairnTestSupport
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket client that completes the handshake and then never reads. Its receive buffer is
/// a few KB, so the server's frames back up after a few KB instead of megabytes; it sends pings
/// (masked text frames) on a thread of its own until `stop` says enough, then holds the socket
/// open without reading until `close()`.
final class DeafSocket: Sendable {
    private let fd: Int32
    private let finished = Mutex(false)

    init(port: Int, token: String) throws {
        fd = try LoopbackConnection.open(port: port, receiveBuffer: 4096)
        let handshake = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(token)\r\n\r\n"
        guard send(Array(handshake.utf8)) else { throw DeafSocketError("handshake write failed") }
        // Read the response head only, byte by byte, so nothing after it is consumed.
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1 else { throw DeafSocketError("no handshake response") }
            head.append(byte)
        }
        guard String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 101") else {
            throw DeafSocketError("upgrade refused: \(String(decoding: head, as: UTF8.self))")
        }
    }

    /// Sends pings from a thread of its own (never a cooperative-pool thread) until `stop()`
    /// returns true or the server drops the connection.
    func flood(until stop: @escaping @Sendable () -> Bool) {
        let fd = self.fd
        Thread.detachNewThread { [self] in
            let payload = Array(#"{"type":"ping"}"#.utf8)
            let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            let frame = [0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
            while !stop(), !finished.withLock({ $0 }) {
                if !DeafSocket.send(fd, frame) { break }
            }
        }
    }

    private func send(_ bytes: [UInt8]) -> Bool { Self.send(fd, bytes) }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the server ended the connection (FIN or reset) within `timeout`, read with
    /// `poll` so nothing buffered is consumed.
    func peerClosed(within timeout: Duration) -> Bool {
        let ended = Int16(0x2000 /* POLLRDHUP, not exported by Glibc */) | Int16(POLLHUP) | Int16(POLLERR)
        var entry = pollfd(fd: fd, events: ended, revents: 0)
        let millis = Int32(timeout.components.seconds * 1000)
        guard poll(&entry, 1, millis) == 1 else { return false }
        return entry.revents & ended != 0
    }

    func close() {
        finished.withLock { $0 = true }
        _ = Glibc.close(fd)
    }
}

struct DeafSocketError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
