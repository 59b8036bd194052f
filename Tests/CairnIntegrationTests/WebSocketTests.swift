import CairnAgents
import CairnCore
import CairnServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import NIOWebSocket
import Synchronization
import Testing

@Suite("The /ws gateway over a live server")
struct WebSocketTests {
    static let fast = ["agents.offline_chunk_delay_ms": "0"]

    @Test func eachAuthenticationMethodConnectsAndTicketsAreSingleUse() async throws {
        try await TestServer(Self.fast).run { client, _ in
            let user = try await client.registerUser("ws-auth@example.com")
            func established(_ path: String, _ headers: [String: String]) async throws {
                try await client.socket(path, headers: headers) { inbox, _ in
                    let frames = try await inbox.wait("connection_established") { !$0.isEmpty }
                    #expect(frames.first?["type"] as? String == "connection_established")
                    #expect(payload(frames.first)["user_id"] as? String == user.userID)
                    #expect(payload(frames.first)["protocol"] as? Int == 1)
                }
            }
            try await established("/ws", ["Authorization": "Bearer \(user.access)"])
            try await established("/ws", ["Sec-WebSocket-Protocol": "cairn.v1, bearer.\(user.access)"])

            let issued = try await client.call(.post, "/api/auth/ws-ticket", token: user.access)
            #expect(issued.status == .created)
            let ticket = try #require(try issued.json()["ticket"] as? String)
            #expect(try issued.json()["expires_in"] as? Int == 60)
            try await established("/ws?ticket=\(ticket)", [:])
            // The same ticket a second time, a made-up ticket, a bad token, nothing: refused.
            for (path, headers) in [("/ws?ticket=\(ticket)", [:]), ("/ws?ticket=wst_forged", [:]),
                                    ("/ws", ["Authorization": "Bearer not-a-token"]), ("/ws", [:]),
                                    ("/ws", ["Sec-WebSocket-Protocol": "cairn.v1, bearer.garbage"])] as [(String, [String: String])] {
                let opened = Shared(false)
                await #expect(throws: (any Error).self, "\(path) \(headers)") {
                    try await client.socket(path, headers: headers) { _, _ in opened.value = true }
                }
                #expect(opened.value == false)
            }
            // A ticket needs a logged-in caller.
            #expect(try await client.call(.post, "/api/auth/ws-ticket").status == .unauthorized)
        }
    }

    @Test func chatOverTheSocketStreamsOrderedEventsToEveryTab() async throws {
        try await TestServer(Self.fast).run { client, _ in
            let user = try await client.registerUser("ws-chat@example.com")
            let auth = ["Authorization": "Bearer \(user.access)"]
            let port = client.port!
            let runID = Shared<String?>(nil)
            let listening = Shared(false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // A second tab that only listens.
                group.addTask {
                    try await openSocket(port: port, headers: auth) { inbox, _ in
                        // The server subscribes a socket to its user's runs before it sends this.
                        try await inbox.wait("established in tab 2") { !$0.isEmpty }
                        listening.value = true
                        try await inbox.wait("first run's id") { _ in runID.value != nil }
                        let run = runID.value!
                        try await inbox.wait("run_completed in tab 2") { _ in inbox.hasRunCompleted(run) }
                        let seqs = inbox.runFrames(run).compactMap { $0["seq"] as? Int }
                        #expect(seqs == Array(1...seqs.count))
                    }
                }
                try await client.socket(headers: auth) { inbox, sender in
                    try await inbox.wait("established") { !$0.isEmpty }
                    // Tab 2 hears only runs that start once it is connected.
                    try await inbox.wait("tab 2 listening") { _ in listening.value }
                    try await sender.send(["type": "user_message", "content": "What is 6 * 7?", "client_msg_id": "c-1"])
                    let received = try await inbox.wait("message_accepted") { frameTypes($0).contains("message_accepted") }
                    // The acknowledgement comes before any event of the run.
                    #expect(Array(frameTypes(received).prefix(2)) == ["connection_established", "message_accepted"])
                    let accepted = try #require(received.first { $0["type"] as? String == "message_accepted" })
                    #expect(payload(accepted)["client_msg_id"] as? String == "c-1")
                    #expect((payload(accepted)["message_id"] as? String)?.hasPrefix("msg_") == true)
                    #expect((payload(accepted)["thread_id"] as? String)?.hasPrefix("thr_") == true)
                    let run = try #require(payload(accepted)["run_id"] as? String)
                    runID.value = run
                    try await inbox.wait("run_completed") { _ in inbox.hasRunCompleted(run) }
                    let frames = inbox.runFrames(run)
                    #expect(frameTypes(frames).filter { $0 != "message_delta" } == [
                        "run_status", "run_status", "agent_started", "agent_thinking", "tool_executing", "tool_completed",
                        "agent_thinking", "agent_completed", "run_completed"])
                    #expect(frames.compactMap { $0["seq"] as? Int } == Array(1...frames.count))
                    #expect(frames.allSatisfy { $0["thread_id"] as? String == payload(accepted)["thread_id"] as? String && $0["ts"] is String })
                    #expect(EventOrder.violations(typedEvents(frames)).isEmpty)
                    #expect(payload(frames.last)["status"] as? String == "succeeded")
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func usersReceiveTheirOwnEventsAndNothingElse() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "1", "runs.max_per_user": "3"]).run { client, _ in
            var users: [(index: Int, access: String)] = []
            for index in 0..<10 { users.append((index, try await client.registerUser("iso\(index)@example.com").access)) }
            let port = client.port!
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, access) in users {
                    group.addTask {
                        try await openSocket(port: port, headers: ["Authorization": "Bearer \(access)"]) { inbox, sender in
                            try await inbox.wait("established") { !$0.isEmpty }
                            for run in 0..<3 {
                                try await sender.send(["type": "user_message", "content": "marker-u\(index)-r\(run) say hello", "client_msg_id": "u\(index)-\(run)"])
                            }
                            let frames = try await inbox.wait("3 runs completed") { frames in
                                frames.filter { $0["type"] as? String == "run_completed" }.count == 3
                            }
                            let accepted = frames.filter { $0["type"] as? String == "message_accepted" }
                            #expect(Set(accepted.compactMap { payload($0)["client_msg_id"] as? String }) == Set((0..<3).map { "u\(index)-\($0)" }))
                            let mine = Set(accepted.compactMap { payload($0)["run_id"] as? String })
                            let seen = Set(frames.compactMap { $0["run_id"] as? String })
                            #expect(seen == mine)
                            let text = frames.map { String(describing: $0) }.joined()
                            for other in 0..<10 where other != index { #expect(!text.contains("marker-u\(other)-")) }
                            #expect(text.contains("marker-u\(index)-"))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func resumeAfterADisconnectGivesEveryEventOnce() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "40"]).run { client, _ in
            let user = try await client.registerUser("ws-resume@example.com")
            let auth = ["Authorization": "Bearer \(user.access)"]
            let lastSeen = Shared(0)
            let runID = Shared("")
            try await client.socket(headers: auth) { inbox, sender in
                try await inbox.wait("established") { !$0.isEmpty }
                try await sender.send(["type": "user_message", "content": "Tell me a long story about a cairn on a hill"])
                let accepted = try await inbox.wait("accepted") { frameTypes($0).contains("message_accepted") }
                let run = payload(accepted.first { $0["type"] as? String == "message_accepted" })["run_id"] as? String ?? ""
                runID.value = run
                try await inbox.wait("a few events") { _ in inbox.runFrames(run).count >= 3 }
                lastSeen.value = inbox.runFrames(run).compactMap { $0["seq"] as? Int }.max() ?? 0
            }
            let after = lastSeen.value
            let run = runID.value
            #expect(after >= 3)
            try await client.socket(headers: auth) { inbox, sender in
                try await inbox.wait("established") { !$0.isEmpty }
                try await sender.send(["type": "resume", "run_id": run, "after_seq": after])
                try await inbox.wait(timeout: .seconds(30), "run_completed") { _ in inbox.hasRunCompleted(run) }
                let seqs = inbox.runFrames(run).compactMap { $0["seq"] as? Int }
                #expect(seqs.first == after + 1)
                #expect(seqs == Array((after + 1)...(after + seqs.count)))
            }
            // The resumed tail equals the stored log, event for event.
            let storedEvents = try await client.events(user.access, run)
            #expect(storedEvents.last?["type"] as? String == "run_completed")
            let stored = storedEvents.map { SeqType(seq: $0["seq"] as? Int ?? -1, type: $0["type"] as? String ?? "") }
            try await client.socket(headers: auth) { inbox, sender in
                try await inbox.wait("established") { !$0.isEmpty }
                try await sender.send(["type": "resume", "run_id": run, "after_seq": 0])
                try await inbox.wait("full replay") { _ in inbox.hasRunCompleted(run) }
                let replay = inbox.runFrames(run)
                #expect(replay.count == stored.count)
                #expect(replay.map { SeqType(seq: $0["seq"] as? Int ?? -1, type: $0["type"] as? String ?? "") } == stored)
            }
        }
    }

    @Test func cancelOverTheSocketEndsTheRunCancelled() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "100"]).run { client, _ in
            let user = try await client.registerUser("ws-cancel@example.com")
            try await client.socket(headers: ["Authorization": "Bearer \(user.access)"]) { inbox, sender in
                try await sender.send(["type": "user_message", "content": "Write a long essay about stones"])
                let accepted = try await inbox.wait("accepted") { frameTypes($0).contains("message_accepted") }
                let run = try #require(payload(accepted.first { $0["type"] as? String == "message_accepted" })["run_id"] as? String)
                try await inbox.wait("streaming") { _ in inbox.runFrames(run).contains { $0["type"] as? String == "message_delta" } }
                try await sender.send(["type": "cancel_run", "run_id": run])
                try await inbox.wait("run_completed") { _ in inbox.hasRunCompleted(run) }
                #expect(payload(inbox.runFrames(run).last)["status"] as? String == "cancelled")
                // Someone else's (or a made-up) run: an error frame, the socket stays open.
                try await sender.send(["type": "cancel_run", "run_id": "run_doesnotexist"])
                try await inbox.wait("not_found") { $0.contains { payload($0)["code"] as? String == "not_found" } }
            }
        }
    }

    @Test func badMessagesGetErrorFramesAndTheSocketStaysOpen() async throws {
        try await TestServer(Self.fast).run { client, _ in
            let user = try await client.registerUser("ws-bad@example.com")
            try await client.socket(headers: ["Authorization": "Bearer \(user.access)"]) { inbox, sender in
                try await sender.sendText("{not json")
                try await sender.send(["type": "teleport"])
                try await sender.send(["type": "user_message"])
                try await sender.sendText("[1,2,3]")
                try await sender.send(["type": "ping"])
                let frames = try await inbox.wait("pong") { frameTypes($0).contains("pong") }
                let codes = frames.filter { $0["type"] as? String == "error" }.compactMap { payload($0)["code"] as? String }
                #expect(codes == ["invalid_json", "unknown_type", "invalid_request", "invalid_json"])
                #expect(!inbox.closed)
            }
        }
    }

    @Test func anOversizedFrameClosesWith1009() async throws {
        try await TestServer(Self.fast.merging(["ws.max_frame_bytes": "4096", "messages.max_bytes": "1024"]) { $1 }).run { client, _ in
            let user = try await client.registerUser("ws-big@example.com")
            let close = try await client.socket(headers: ["Authorization": "Bearer \(user.access)"]) { inbox, sender in
                try await inbox.wait("established") { !$0.isEmpty }
                try await sender.send(["type": "user_message", "content": String(repeating: "x", count: 10_000)])
                try await inbox.waitClosed()
            }
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test func aMessageFloodIsRateLimited() async throws {
        try await TestServer(Self.fast.merging(["ws.messages_per_minute": "5"]) { $1 }).run { client, _ in
            let user = try await client.registerUser("ws-flood@example.com")
            try await client.socket(headers: ["Authorization": "Bearer \(user.access)"]) { inbox, sender in
                for _ in 0..<8 { try await sender.send(["type": "ping"]) }
                let frames = try await inbox.wait("rate_limited") { frames in
                    frameTypes(frames).filter { $0 == "pong" }.count == 5 && frames.filter { payload($0)["code"] as? String == "rate_limited" }.count == 3
                }
                #expect(frameTypes(frames).filter { $0 == "pong" }.count == 5)
                #expect(!inbox.closed)
            }
        }
    }

    @Test func overThePerUserLimitTheOldestSocketGivesWayWith4429() async throws {
        try await TestServer(Self.fast.merging(["ws.max_connections_per_user": "1"]) { $1 }).run { client, _ in
            let user = try await client.registerUser("ws-many@example.com")
            let auth = ["Authorization": "Bearer \(user.access)"]
            let port = client.port!
            let oldest = try await client.socket(headers: auth) { inbox, _ in
                try await inbox.wait("established") { !$0.isEmpty }
                try await openSocket(port: port, headers: auth) { newer, sender in
                    try await newer.wait("established") { !$0.isEmpty }
                    try await inbox.waitClosed(timeout: .seconds(5))
                    // The newer socket works.
                    try await sender.send(["type": "ping"])
                    try await newer.wait("pong") { frameTypes($0).contains("pong") }
                }
            }
            #expect(oldest?.closeCode == .unknown(4429))
        }
    }

    @Test func logoutClosesLiveSocketsWith4401() async throws {
        try await TestServer(Self.fast).run { client, _ in
            let user = try await client.registerUser("ws-logout@example.com")
            let connected = Shared(false)
            async let close = openSocket(port: client.port!, headers: ["Authorization": "Bearer \(user.access)"]) { inbox, _ in
                try await inbox.wait("established") { !$0.isEmpty }
                connected.value = true
                try await inbox.waitClosed(timeout: .seconds(5))
            }
            while !connected.value { try await Task.sleep(for: .milliseconds(5)) }
            #expect(try await client.call(.post, "/api/auth/logout", token: user.access).status == .noContent)
            #expect(try await close?.closeCode == .unknown(4401))
        }
    }
    @Test func aClientThatNeverReadsIsDroppedWithinSecondsAndRunsDoNotWaitForIt() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0", "ws.outbound_queue": "16", "ws.messages_per_minute": "100000"]).run { client, env in
            let user = try await client.registerUser("ws-deaf@example.com")
            // Never reads, with a 4 KB receive buffer; sends pings until the server gives up on it.
            let deaf = try DeafSocket(port: client.port!, token: user.access)
            defer { deaf.close() }
            deaf.flood { env.gateway.snapshot.slowConsumersDropped > 0 }
            let deadline = ContinuousClock.now + .seconds(30)
            while env.gateway.snapshot.slowConsumersDropped == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(env.gateway.snapshot.slowConsumersDropped == 1)
            let dropped = ContinuousClock.now
            // The 1013 close frame cannot get through a full window: the connection is dropped anyway.
            while env.gateway.snapshot.open > 0, ContinuousClock.now - dropped < .seconds(10) { try await Task.sleep(for: .milliseconds(10)) }
            #expect(env.gateway.snapshot.open == 0, "the stuck socket was still open 10 s after it was dropped")
            // The connection itself is gone too, although its receive buffer is full of the client's pings.
            #expect(deaf.peerClosed(within: .seconds(10)), "the server did not end the TCP connection")
            // The user's runs go on regardless.
            let (_, run, _) = try await client.startRun(user.access, input: "What is 6 * 7?")
            #expect(try await client.waitForRun(user.access, run)["status"] as? String == "succeeded")
        }
    }
}

struct SeqType: Equatable, Sendable {
    let seq: Int
    let type: String
}
