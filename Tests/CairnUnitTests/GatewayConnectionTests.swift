import CairnAgents
import CairnAuth
import CairnCore
@testable import CairnServer
import CairnStore
import Foundation
import Logging
import NIOWebSocket
import Testing

@Suite("A socket's outbound queue")
struct GatewayConnectionTests {
    func connection(queue: Int, counters: GatewayMetrics) throws -> (GatewayConnection, Store) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString).db").path
        let store = try Store(path: path)
        let principal = Principal(userID: UserID.generate(), sessionID: nil, role: .user, authMethod: .accessToken)
        let log = RunLog(runs: RunRepository(store.pool), logger: Logger(label: "test"))
        return (GatewayConnection(principal: principal, log: log, queueLimit: queue, metrics: counters), store)
    }

    @Test func aClientThatDoesNotReadIsClosedWith1013InsteadOfBuffering() async throws {
        let counters = GatewayMetrics()
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
        let counters = GatewayMetrics()
        let (connection, store) = try connection(queue: 64, counters: counters)
        defer { try? store.close() }
        let run = RunID.generate()
        let thread = ThreadID.generate()
        func event(_ seq: Int) -> RunEvent {
            RunEvent(runID: run, threadID: thread, userID: connection.principal.userID, seq: seq, type: .messageDelta, agent: nil, payload: ["text": .string("\(seq)")], at: Date())
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
        let (connection, store) = try connection(queue: 64, counters: GatewayMetrics())
        defer { try? store.close() }
        let user = connection.principal.userID
        let old = RunID.generate(), new = RunID.generate(), thread = ThreadID.generate()
        func event(_ run: RunID, _ seq: Int) -> RunEvent {
            RunEvent(runID: run, threadID: thread, userID: user, seq: seq, type: .messageDelta, agent: nil, payload: ["text": .string("x")], at: Date())
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

    @Test func theEnvelopeIsBuiltOnceFromThePayloadTextWithSortedKeys() throws {
        let run = RunID.generate(), thread = ThreadID.generate(), user = UserID.generate()
        let at = Date(timeIntervalSince1970: 1_764_684_834.123)
        let event = RunEvent(runID: run, threadID: thread, userID: user, seq: 7, type: .toolCompleted, agent: "assi\"stant",
                             payload: ["text": "a\nb", "ok": true, "n": 3], at: at)
        #expect(event.payloadJSON == #"{"n":3,"ok":true,"text":"a\nb"}"#)
        #expect(event.envelopeJSON == #"{"agent":"assi\"stant","payload":{"n":3,"ok":true,"text":"a\nb"},"run_id":""#
            + run.rawValue + #"","seq":7,"thread_id":""# + thread.rawValue + #"","ts":"2025-12-02T14:13:54.123Z","type":"tool_completed"}"#)
        let object = try JSONSerialization.jsonObject(with: Data(event.envelopeJSON.utf8)) as? [String: Any]
        #expect(object?["agent"] as? String == "assi\"stant")
        #expect(object?["user_id"] == nil, "the owner is never serialized")
        // An event read back from the log carries the stored text and the same envelope.
        let stored = RunEvent(runID: run, threadID: thread, userID: user, seq: 7, type: .toolCompleted, agent: "assi\"stant",
                              payloadJSON: event.payloadJSON, at: at)
        #expect(stored.envelopeJSON == event.envelopeJSON)
        #expect(stored.sseFrame == "id: 7\nevent: tool_completed\ndata: \(event.envelopeJSON)\n\n")
    }
}
