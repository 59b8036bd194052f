import CairnCore
import Synchronization

/// Each run event's frame text, encoded once for all the sockets it goes to (a user with many
/// tabs, or replays of the same event). Holds the most recent `capacity` frames.
final class FrameCache: Sendable {
    private struct Key: Hashable {
        let run: RunID
        let seq: Int
    }

    private let capacity: Int
    private let state = Mutex((frames: [Key: String](), ring: [Key](), next: 0))

    init(capacity: Int = 4096) { self.capacity = capacity }

    func text(for event: RunEvent) -> String {
        let key = Key(run: event.runID, seq: event.seq)
        if let hit = state.withLock({ $0.frames[key] }) { return hit }
        let text = EventEnvelope.json(event).jsonText
        state.withLock { state in
            guard state.frames[key] == nil else { return }
            if state.ring.count < capacity {
                state.ring.append(key)
            } else {
                state.frames.removeValue(forKey: state.ring[state.next])
                state.ring[state.next] = key
                state.next = (state.next + 1) % capacity
            }
            state.frames[key] = text
        }
        return text
    }
}
