import NIOCore
import NIOEmbedded
import Testing

@testable import CairnServer

/// The handler that closes connections which never finish their first request head, driven on
/// an embedded channel with a virtual clock.
@Suite struct FirstRequestDeadlineTests {
    /// An embedded channel, connected, with the handler in its pipeline.
    private func connection(timeout: TimeAmount = .seconds(60)) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(FirstRequestDeadline(timeout: timeout))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private func handlerIsThere(_ channel: EmbeddedChannel) -> Bool {
        (try? channel.pipeline.syncOperations.handler(type: FirstRequestDeadline.self)) != nil
    }

    @Test func aConnectionThatSendsNothingIsClosedAtTheDeadline() throws {
        let channel = try connection(timeout: .seconds(60))
        channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aHeadTrickledInPiecesStillMeetsTheDeadlineFromTheOpening() throws {
        let channel = try connection(timeout: .seconds(10))
        for piece in ["GET / HTTP/1.1\r\n", "Host: a\r\n", "X-Slow: 1"] {
            try channel.writeInbound(ByteBuffer(string: piece))
            channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        }
        // Bytes kept arriving, but the head never ended within 10 s of the opening.
        #expect(!channel.isActive)
    }

    @Test func theHeadsEndSplitAcrossReadsDisarmsTheDeadlineAndPassesEveryByteOn() throws {
        let channel = try connection(timeout: .seconds(10))
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n\r"))
        #expect(handlerIsThere(channel))
        try channel.writeInbound(ByteBuffer(string: "\nbody"))
        #expect(!handlerIsThere(channel))
        channel.embeddedEventLoop.advanceTime(by: .seconds(3600))
        #expect(channel.isActive)
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "GET / HTTP/1.1\r\nHost: a\r\n\r")
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "\nbody")
        _ = try channel.finish()
    }

    @Test func shutdownClosesAConnectionWithNoRequestYetAndLeavesOneWithARequest() throws {
        let silent = try connection()
        silent.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!silent.isActive)

        let busy = try connection()
        try busy.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        busy.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        // The request's own handlers decide (Hummingbird answers, then closes).
        #expect(busy.isActive)
        _ = try busy.finish()
    }
}
