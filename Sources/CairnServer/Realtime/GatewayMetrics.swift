import Foundation
import Synchronization

/// Counters of the realtime gateway, served at `/metrics`. Every socket counts on every frame,
/// so they are atomics and nobody waits for a lock to count.
///
/// ```swift
/// let metrics = GatewayMetrics()
/// metrics.messageReceived()
/// metrics.frameSent()
/// let dropped = metrics.snapshot.slowConsumersDropped
/// ```
public final class GatewayMetrics: Sendable {
    private let messagesIn = Atomic(0)
    private let messagesOut = Atomic(0)
    private let slowConsumersDropped = Atomic(0)
    private let resumes = Atomic(0)
    private let replaced = Atomic(0)

    public init() {}

    /// A client message arrived.
    func messageReceived() { messagesIn.add(1, ordering: .relaxed) }
    /// A frame was written to a socket.
    func frameSent() { messagesOut.add(1, ordering: .relaxed) }
    /// A socket was closed with 1013 for not reading its events.
    func slowConsumerDropped() { slowConsumersDropped.add(1, ordering: .relaxed) }
    /// A client asked to `resume` a run.
    func resumeRequested() { resumes.add(1, ordering: .relaxed) }
    /// A user's oldest socket was closed with 4429 to make room for a new one.
    func connectionReplaced() { replaced.add(1, ordering: .relaxed) }

    /// Every counter since the server started.
    public var snapshot: (messagesIn: Int, messagesOut: Int, slowConsumersDropped: Int, resumes: Int, replaced: Int) {
        (
            messagesIn.load(ordering: .relaxed), messagesOut.load(ordering: .relaxed), slowConsumersDropped.load(ordering: .relaxed),
            resumes.load(ordering: .relaxed), replaced.load(ordering: .relaxed)
        )
    }
}
