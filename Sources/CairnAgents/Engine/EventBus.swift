import CairnCore
import Foundation
import Synchronization

/// Publishes committed run events to the owning user's subscribers only. Each subscription has
/// a bounded buffer and the run never waits for a reader. A subscriber that falls so far behind
/// that its buffer overflows is dropped: its stream ends after the events it still holds, and the
/// subscriber catches up from the log (which has every event) instead of silently missing some,
/// such as a run's last event, that no later event would reveal as a gap.
///
/// `RunLog` owns the bus and publishes an event only once it is durable; readers subscribe
/// through `RunLog.subscribe(user:buffer:)`.
///
/// ```swift
/// let subscription = bus.subscribe(userID: user, buffer: 256)
/// defer { bus.unsubscribe(subscription.id, userID: user) }
/// for await event in subscription.events {      // ends when dropped: catch up from the log
///     send(event.envelopeJSON)
/// }
/// ```
public final class EventBus: Sendable {
    private let subscribers = Mutex<[UserID: [UUID: AsyncStream<RunEvent>.Continuation]]>([:])

    public init() {}

    public struct Subscription: Sendable {
        public let id: UUID
        public let userID: UserID
        public let events: AsyncStream<RunEvent>
    }

    public func subscribe(userID: UserID, buffer: Int = 256) -> Subscription {
        let (stream, continuation) = AsyncStream<RunEvent>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let id = UUID()
        subscribers.withLock { $0[userID, default: [:]][id] = continuation }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id, userID: userID) }
        return Subscription(id: id, userID: userID, events: stream)
    }

    public func unsubscribe(_ id: UUID, userID: UserID) {
        let continuation = subscribers.withLock { all -> AsyncStream<RunEvent>.Continuation? in
            let removed = all[userID]?.removeValue(forKey: id)
            if all[userID]?.isEmpty == true { all.removeValue(forKey: userID) }
            return removed
        }
        continuation?.finish()
    }

    public func publish(_ events: [RunEvent]) {
        for event in events { publish(event) }
    }

    public func publish(_ event: RunEvent) {
        let targets = subscribers.withLock { $0[event.userID] ?? [:] }
        for (id, continuation) in targets {
            if case .dropped = continuation.yield(event) { unsubscribe(id, userID: event.userID) }
        }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
