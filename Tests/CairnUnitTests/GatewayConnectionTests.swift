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
}
