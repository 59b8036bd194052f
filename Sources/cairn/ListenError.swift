import Foundation

/// `cairn serve` could not take its address: says which one and what to do, instead of NIO's
/// `bind(descriptor:ptr:bytes:)`.
///
/// ```swift
/// throw ListenError(host: "127.0.0.1", port: 8080, errno: EADDRINUSE)
/// // cannot listen on 127.0.0.1:8080: the port is already in use (another cairn, or another program); …
/// ```
struct ListenError: Error, CustomStringConvertible {
    let host: String
    let port: Int
    let errno: CInt

    var description: String {
        let why =
            switch errno {
            case EADDRINUSE: "the port is already in use (another cairn, or another program)"
            case EACCES: "permission denied (ports below 1024 need privileges)"
            default: "the address \(host) is not one of this machine's"
            }
        return "cannot listen on \(host):\(port): \(why); choose another with --port or --set server.port=N (server.host for the address)"
    }
}
