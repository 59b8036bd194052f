import CairnAuth
import CairnCore
@testable import CairnServer
import CairnStore
import Foundation
import Testing

@Suite("A socket's outbound queue")
struct GatewayConnectionTests {
    func connection(queue: Int, counters: GatewayCounters) throws -> (GatewayConnection, Store) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString).db").path
        let store = try Store(path: path)
        let principal = Principal(userID: UserID.generate(), sessionID: nil, role: .user, authMethod: .accessToken)
        return (GatewayConnection(principal: principal, runs: RunRepository(store: store), queueLimit: queue, counters: counters), store)
    }

    @Test func aClientThatDoesNotReadIsClosedWith1013InsteadOfBuffering() async throws {
        let counters = GatewayCounters()
        let (connection, store) = try connection(queue: 16, counters: counters)
        defer { try? store.close() }
        for index in 0..<16 { connection.send("frame \(index)") }
        #expect(connection.closeCode == nil)
        connection.send("one too many")
        #expect(connection.closeCode == .unknown(1013))
        #expect(counters.snapshot.slowConsumersDropped == 1)
        // What was queued is still delivered in order before the close; nothing beyond it.
        var delivered: [String] = []
        for await frame in connection.frames { delivered.append(frame) }
        #expect(delivered == (0..<16).map { "frame \($0)" })
    }

    @Test func liveEventsContinueAfterTheResumePointWithoutDuplicates() async throws {
        let counters = GatewayCounters()
        let (connection, store) = try connection(queue: 64, counters: counters)
        defer { try? store.close() }
        let run = RunID.generate()
        let thread = ThreadID.generate()
        func event(_ seq: Int) -> RunEvent {
            RunEvent(runID: run, threadID: thread, userID: connection.principal.userID, seq: seq, type: "message_delta", agent: nil, payload: ["text": .string("\(seq)")], at: Date())
        }
        try await connection.releaseHeld()
        // The resume point was seq 2; seq 3 arrives live, then 3 again, a stale 2, and 4.
        #expect(try await connection.replay(runID: run, after: 2) == false)  // unknown run: nothing replayed
        try await connection.deliver(event(3))
        try await connection.deliver(event(3))
        try await connection.deliver(event(2))
        try await connection.deliver(event(4))
        connection.finish()
        var seqs: [Int] = []
        for await frame in connection.frames {
            let object = try JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [String: Any]
            seqs.append(object?["seq"] as? Int ?? -1)
        }
        #expect(seqs == [3, 4])
    }

    @Test func runsUnderWayAtConnectWaitForAResumeWhileNewRunsStreamAtOnce() async throws {
        let (connection, store) = try connection(queue: 64, counters: GatewayCounters())
        defer { try? store.close() }
        let user = connection.principal.userID
        let old = RunID.generate(), new = RunID.generate(), thread = ThreadID.generate()
        func event(_ run: RunID, _ seq: Int) -> RunEvent {
            RunEvent(runID: run, threadID: thread, userID: user, seq: seq, type: "message_delta", agent: nil, payload: ["text": .string("x")], at: Date())
        }
        try await connection.deliver(event(old, 7))   // under way before the socket opened: held
        try await connection.deliver(event(new, 1))   // started after: sent at once
        try await connection.deliver(event(old, 8))
        try await connection.deliver(event(new, 2))
        try await connection.releaseHeld()
        try await connection.deliver(event(old, 9))
        connection.finish()
        var sent: [String] = []
        for await frame in connection.frames {
            let object = try JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [String: Any]
            sent.append("\(object?["run_id"] as? String == old.rawValue ? "old" : "new")\(object?["seq"] as? Int ?? -1)")
        }
        #expect(sent == ["new1", "new2", "old7", "old8", "old9"])
    }

    @Test func frameCacheReturnsTheEnvelopeOfEachEventAlsoAfterEviction() throws {
        let cache = FrameCache(capacity: 2)
        let run = RunID.generate(), thread = ThreadID.generate(), user = UserID.generate()
        let events = (1...5).map { seq in
            RunEvent(runID: run, threadID: thread, userID: user, seq: seq, type: "message_delta", agent: nil, payload: ["text": .string("t\(seq)")], at: Date())
        }
        for _ in 0..<2 {
            for event in events {
                let object = try JSONSerialization.jsonObject(with: Data(cache.text(for: event).utf8)) as? [String: Any]
                #expect(object?["seq"] as? Int == event.seq)
                #expect((object?["payload"] as? [String: Any])?["text"] as? String == "t\(event.seq)")
            }
        }
    }
}
