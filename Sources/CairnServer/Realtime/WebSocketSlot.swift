import HummingbirdWebSocket
import Synchronization

/// Where a request context keeps its WebSocket handler reference, so `/ws` can let go of it.
///
/// hummingbird-websocket stores the upgrade's context inside the reference's box, which the
/// context itself holds: a reference cycle that kept every closed socket's context, channel and
/// buffers alive (about 6 KB per connection, found by `make soak`). The gateway calls
/// `release()` once its handler runs; the library has already taken what it needs by then.
///
/// ```swift
/// context.requestContext.webSocketSlot.release()   // first thing in onUpgrade
/// ```
final class WebSocketSlot: Sendable {
    private let state = Mutex<WebSocketHandlerReference<CairnRequestContext>?>(nil)

    /// The same reference on every read until `release()`.
    var reference: WebSocketHandlerReference<CairnRequestContext> {
        state.withLock { state in
            if let reference = state { return reference }
            let reference = WebSocketHandlerReference<CairnRequestContext>()
            state = reference
            return reference
        }
    }

    func release() { state.withLock { $0 = nil } }
}
