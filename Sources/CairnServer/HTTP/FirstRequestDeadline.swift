import NIOCore

/// Closes a connection that has not sent a whole request head (up to the blank line) within
/// `timeout` of opening, and closes it at once when the server quiesces before that.
///
/// hummingbird-websocket's upgrade pipeline adds its idle timeout only once the first request
/// head is decoded, so before that a connection that sends nothing, or a header a byte at a
/// time, held a file descriptor forever; on graceful shutdown nothing closed it, and the
/// server waited for it. This handler sits first in the pipeline, watches the raw bytes for
/// the head's end (`\r\n\r\n`) and removes itself there; what follows is Hummingbird's.
///
/// ```swift
/// try channel.pipeline.syncOperations.addHandler(FirstRequestDeadline(timeout: .seconds(60)), position: .first)
/// ```
final class FirstRequestDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// The last bytes seen, so a `\r\n\r\n` split across reads is found.
    private var tail: UInt32 = 0
    private var done = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !done, headEnds(in: unwrapInboundIn(data)) {
            done = true
            deadline?.cancel()
            deadline = nil
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Graceful shutdown: a connection with no request under way has nothing to finish.
        if event is ChannelShouldQuiesceEvent, !done {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil, !done else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    /// True once the bytes so far contain `\r\n\r\n`.
    private func headEnds(in buffer: ByteBuffer) -> Bool {
        let end: UInt32 = 0x0D0A_0D0A
        return buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                tail = (tail << 8) | UInt32(byte)
                if tail == end { return true }
            }
            return false
        }
    }
}
