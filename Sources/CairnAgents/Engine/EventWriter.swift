import CairnCore
import CairnStore

/// Appends run events with group commit: while one transaction is being written, events from
/// every run pile up and go into the next one. Each `append` returns once its event is durable.
public actor EventWriter {
    private let runs: RunRepository
    private var pending: [(RunEvent, CheckedContinuation<Void, any Error>)] = []
    private var flushing = false
    public private(set) var transactions = 0
    public private(set) var eventsWritten = 0

    public init(runs: RunRepository) { self.runs = runs }

    public func append(_ event: RunEvent) async throws {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((event, continuation))
            if !flushing {
                flushing = true
                // The flush loop belongs to this actor and ends as soon as nothing is pending.
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            do {
                try await runs.append(batch.map(\.0))
                transactions += 1
                eventsWritten += batch.count
                for (_, continuation) in batch { continuation.resume() }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
