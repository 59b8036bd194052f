import HummingbirdCore
import Logging
import NIOCore

/// A server child channel that gives every connection back, whatever its client does:
/// `FirstRequestDeadline` closes one that never sends a whole request head (or is still
/// silent when the server shuts down), and a connection is closed once `inner` has finished
/// handling it, even when `inner` stopped on an error without closing it.
///
/// ```swift
/// let builder = HTTPServerBuilder { responder in
///     GuardedChildChannel(inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: ws, configuration: config),
///                         firstRequestTimeout: .seconds(60))
/// }
/// ```
struct GuardedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner
    let firstRequestTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // Called on the channel's event loop, as the inner setup assumes too.
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(FirstRequestDeadline(timeout: firstRequestTimeout), position: .first)
        }.flatMap {
            inner.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
        try? await value.channel.close()
    }
}
