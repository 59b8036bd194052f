#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to a server on this machine, for tests that must control the bytes
/// on the wire (a client that sends nothing, trickles a request, or never reads).
///
/// ```swift
/// let fd = try LoopbackConnection.open(port: port, receiveBuffer: 4096)
/// defer { close(fd) }
/// ```
public enum LoopbackConnection {
    /// Connects to 127.0.0.1:`port` and returns the socket's descriptor; `receiveBuffer` (bytes)
    /// is set before connecting, so the window the server sees is small from the start.
    public static func open(port: Int, receiveBuffer: Int32? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackConnectionError("socket failed: errno \(errno)") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = errno
            close(fd)
            throw LoopbackConnectionError("connect to 127.0.0.1:\(port) failed: errno \(reason)")
        }
        return fd
    }
}

/// Why a loopback connection could not be opened.
public struct LoopbackConnectionError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
