@testable import CairnAgents
import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSCompression
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

/// The failures found by trying the server as an attacker would, each against the real server.
@Suite("Hostile input against a live server")
struct HostileInputIntegrationTests {
    static let fast = ["agents.offline_chunk_delay_ms": "0"]

    func admin(_ client: any TestClientProtocol, _ env: ServerEnvironment) async throws -> String {
        _ = try await env.auth.createAdmin(email: "root@example.com", password: "admin password 1", name: nil, origin: .commandLine, actor: "test")
        return try #require(try await client.call(.post, "/api/auth/login", json: ["email": "root@example.com", "password": "admin password 1"])
            .json()["access_token"] as? String)
    }

    @Test func framesThatCrashedTheProcessGetAnErrorFrameAndTheSocketStaysUp() async throws {
        try await TestServer(Self.fast).run { client, _ in
            let user = try await client.registerUser("crash@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "hello")
            _ = try await client.waitForRun(user.access, run)
            let raws = ["1e19", "-1e19", "1e308", "9223372036854775808", "-9223372036854775809", "\"NaN\"", "0.5"]
            try await client.socket(headers: ["Authorization": "Bearer \(user.access)"]) { inbox, sender in
                try await inbox.wait("established") { !$0.isEmpty }
                for raw in raws { try await sender.sendText(#"{"type":"resume","run_id":"\#(run)","after_seq":\#(raw)}"#) }
                try await sender.sendText(#"{"type":"user_message","content":"hi","client_msg_id":1e300}"#)
                try await sender.send(["type": "ping"])
                let frames = try await inbox.wait("pong") { frameTypes($0).contains("pong") }
                let errors = frames.filter { $0["type"] as? String == "error" }.map(payload)
                #expect(errors.count == raws.count + 1)
                #expect(errors.allSatisfy { $0["code"] as? String == "invalid_request" })
                #expect(errors.prefix(raws.count).allSatisfy { ($0["details"] as? [String: String])?["after_seq"] != nil })
                // A valid resume still works on the same socket.
                try await sender.send(["type": "resume", "run_id": run, "after_seq": 0])
                _ = try await inbox.wait("replay") { $0.contains { $0["type"] as? String == "run_completed" } }
            }
            #expect(try await client.call(.get, "/healthz").status == .ok)
        }
    }

    /// Browsers always negotiate permessage-deflate: a message the limits allow is accepted,
    /// a message over the frame limit closes 1009, never 1011.
    @Test func compressedMessagesFollowTheFrameLimit() async throws {
        try await TestServer(Self.fast).run { client, _ in
            let user = try await client.registerUser("deflate@example.com")
            let content = String(repeating: "abcdefgh ", count: 31 * 1024 / 9)   // ≈31 KiB, under messages.max_bytes
            try await client.socket(headers: ["Authorization": "Bearer \(user.access)"], extensions: [.perMessageDeflate()]) { inbox, sender in
                try await inbox.wait("established") { !$0.isEmpty }
                try await sender.send(["type": "user_message", "content": content])
                let frames = try await inbox.wait("accepted") { frameTypes($0).contains("message_accepted") || frameTypes($0).contains("error") }
                #expect(frameTypes(frames).contains("message_accepted"), "\(frames.last ?? [:])")
            }
            let huge = String(repeating: "z", count: 200_000)   // compresses to a few hundred bytes; 200 KB once inflated
            let close = try await client.socket(headers: ["Authorization": "Bearer \(user.access)"], extensions: [.perMessageDeflate()]) { inbox, sender in
                try await inbox.wait("established") { !$0.isEmpty }
                try await sender.send(["type": "user_message", "content": huge])
                try await inbox.waitClosed()
            }
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test func providerOptionsOutOfTheirDomainAreRefusedAndNotStored() async throws {
        try await TestServer(Self.fast).run { client, env in
            let admin = try await admin(client, env)
            let bodies: [([String: Any], String)] = [
                (["type": "offline", "options": ["chunk_delay_ms": 1e300]], "options.chunk_delay_ms"),
                (["type": "offline", "options": ["chunk_delay_ms": -1]], "options.chunk_delay_ms"),
                (["type": "offline", "options": ["chunk_delay_ms": "x"]], "options.chunk_delay_ms"),
                (["type": "anthropic", "model": "m", "options": ["max_tokens": 1e300]], "options.max_tokens"),
                (["type": "openai", "model": "m", "timeout_ms": 1e300], "timeout_ms"),
                (["type": "openai", "model": "m", "max_retries": -1], "max_retries"),
                (["type": "openai", "model": String(repeating: "m", count: 300)], "model"),
            ]
            for (body, field) in bodies {
                let response = try await client.call(.put, "/api/admin/providers/hostile", json: body, token: admin)
                #expect(response.status == .unprocessableContent, "\(body): \(response.text)")
                let details = (try? response.json()["error"] as? [String: Any])?["details"] as? [String: String]
                #expect(details?[field] != nil, "\(field): \(response.text)")
            }
            #expect(try await client.call(.get, "/api/admin/providers/hostile", token: admin).status == .notFound)
            // A record an older version stored with a bad value loads without trapping.
            try await env.store.pool.write { db in
                try db.execute(sql: """
                    INSERT INTO providers (name, type, base_url, api_key, model, timeout_ms, max_retries, options, updated_at, updated_by)
                    VALUES ('legacy', 'offline', NULL, NULL, NULL, 60000, 99, '{"chunk_delay_ms":1e300}', 0, NULL)
                    """)
            }
            try await env.services.providers.load()
            #expect(env.services.providers.maxRetries("legacy") == 10)
            #expect(try await client.call(.get, "/api/admin/providers/legacy", token: admin).status == .ok)
        }
    }

    @Test func aProviderKeyNeverFollowsAChangedHost() async throws {
        try await TestServer(Self.fast).run { client, env in
            let admin = try await admin(client, env)
            let base: [String: Any] = ["type": "openai", "model": "m", "base_url": "https://api.example.com/v1", "api_key": "sk-0123456789abcdef"]
            #expect(try await client.call(.put, "/api/admin/providers/p", json: base, token: admin).status == .created)
            // Same host, another path: the key stays.
            let samePlace = try await client.call(.put, "/api/admin/providers/p", json: ["type": "openai", "model": "m", "base_url": "https://api.example.com/v2"], token: admin)
            #expect(samePlace.status == .ok)
            #expect(try samePlace.json()["api_key_set"] as? Bool == true)
            // Another host without the key: refused, nothing changes.
            let moved = try await client.call(.put, "/api/admin/providers/p", json: ["type": "openai", "model": "m", "base_url": "https://collector.evil.example/v1"], token: admin)
            #expect(moved.status == .unprocessableContent)
            #expect(((try moved.json()["error"] as? [String: Any])?["details"] as? [String: String])?["api_key"] != nil)
            #expect(env.services.providers.record("p")?.baseURL == "https://api.example.com/v2")
            // Another host with a key given again: fine.
            let rekeyed = try await client.call(.put, "/api/admin/providers/p",
                                                json: ["type": "openai", "model": "m", "base_url": "https://other.example/v1", "api_key": "sk-fedcba9876543210"], token: admin)
            #expect(rekeyed.status == .ok)
        }
    }

    @Test func signInValuesAreBoundedBeforeTheyCostAnything() async throws {
        try await TestServer(Self.fast).run { client, env in
            let admin = try await admin(client, env)
            let longEmail = String(repeating: "a", count: 200_000) + "@example.com"
            let login = try await client.call(.post, "/api/auth/login", json: ["email": longEmail, "password": "whatever password"])
            #expect(login.status == .unprocessableContent)
            let longPassword = try await client.call(.post, "/api/auth/login", json: ["email": "x@example.com", "password": String(repeating: "p", count: 5_000)])
            #expect(longPassword.status == .unprocessableContent)
            let audit = try await client.call(.get, "/api/admin/audit", token: admin)
            #expect(audit.body.readableBytes < 20_000, "the audit listing grew to \(audit.body.readableBytes) bytes")
        }
    }

    @Test func passwordChangeIsLimitedAndCountsTowardTheLockout() async throws {
        try await TestServer(Self.fast.merging(["ratelimit.password_per_user_per_minute": "3", "auth.lockout_threshold": "100"]) { $1 }).run { client, env in
            let user = try await client.registerUser("pw@example.com")
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 {
                statuses.append(try await client.call(.post, "/api/auth/password", json: ["current_password": "wrong password 1", "new_password": "another good one"],
                                                      token: user.access).status)
            }
            #expect(statuses == [.unprocessableContent, .unprocessableContent, .unprocessableContent, .tooManyRequests])
            let failures = try await env.store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT failed_logins FROM users WHERE email = 'pw@example.com'")
            }
            #expect(failures == 3)
        }
    }

    /// Five wrong passwords from a stranger lock the stranger out, not the owner; the account-wide
    /// lock spares the clients the account knows; an administrator lifts every lock.
    @Test func aStrangerCannotLockTheOwnerOut() async throws {
        let settings = Self.fast.merging(["auth.lockout_threshold": "5", "auth.lockout_account_threshold": "8",
                                          "ratelimit.login_per_account_per_minute": "1000", "ratelimit.login_per_ip_per_minute": "1000"]) { $1 }
        try await TestServer(settings).run { client, env in
            let admin = try await admin(client, env)
            let user = try await client.registerUser("owner@example.com", password: "the owners password")
            let owner = RequestOrigin(ip: "198.51.100.10", userAgent: "owner")
            _ = try await env.auth.login(email: "owner@example.com", password: "the owners password", origin: owner)   // a known device now
            let stranger = RequestOrigin(ip: "203.0.113.66", userAgent: "stranger")
            for _ in 0..<5 {
                await #expect(throws: CairnError.self) { _ = try await env.auth.login(email: "owner@example.com", password: "guess guess guess", origin: stranger) }
            }
            // The stranger is refused even with the right password…
            do {
                _ = try await env.auth.login(email: "owner@example.com", password: "the owners password", origin: stranger)
                Issue.record("the locked-out client got in")
            } catch let error as CairnError { #expect(error.code == .rateLimited) }
            // …the owner is not, and neither is a new device the owner uses.
            _ = try await env.auth.login(email: "owner@example.com", password: "the owners password", origin: owner)
            _ = try await env.auth.login(email: "owner@example.com", password: "the owners password", origin: RequestOrigin(ip: "192.0.2.44", userAgent: "phone"))
            // Many clients together reach the account-wide threshold: unknown clients wait, known ones do not.
            for index in 0..<8 {
                _ = try? await env.auth.login(email: "owner@example.com", password: "guess \(index) again", origin: RequestOrigin(ip: "203.0.113.\(index)", userAgent: nil))
            }
            do {
                _ = try await env.auth.login(email: "owner@example.com", password: "the owners password", origin: RequestOrigin(ip: "203.0.113.200", userAgent: nil))
                Issue.record("an unknown client got in while the account is locked")
            } catch let error as CairnError { #expect(error.code == .rateLimited) }
            _ = try await env.auth.login(email: "owner@example.com", password: "the owners password", origin: owner)
            // The console's Unlock lifts both kinds of lock.
            let unlocked = try await client.call(.post, "/api/admin/users/\(user.userID)/unlock", token: admin)
            #expect(unlocked.status == .ok)
            _ = try await env.auth.login(email: "owner@example.com", password: "the owners password", origin: stranger)
            let actions = try await client.call(.get, "/api/admin/audit", token: admin).text
            #expect(actions.contains("admin.user_unlocked") && actions.contains("auth.lockout"))
        }
    }

    @Test func requestsThatCostARowAreLimited() async throws {
        let settings = Self.fast.merging(["ratelimit.threads_per_user_per_minute": "3", "ratelimit.ws_ticket_per_user_per_minute": "2"]) { $1 }
        try await TestServer(settings).run { client, _ in
            let user = try await client.registerUser("rows@example.com")
            var threads: [HTTPResponse.Status] = []
            for _ in 0..<4 { threads.append(try await client.call(.post, "/api/threads", json: [:], token: user.access).status) }
            #expect(threads == [.created, .created, .created, .tooManyRequests])
            var tickets: [HTTPResponse.Status] = []
            for _ in 0..<3 { tickets.append(try await client.call(.post, "/api/auth/ws-ticket", token: user.access).status) }
            #expect(tickets == [.created, .created, .tooManyRequests])
        }
    }

    @Test func readinessWritesNothing() async throws {
        let server = try TestServer(Self.fast)
        try await server.run { client, _ in
            let observer = try DatabaseQueue(path: server.databasePath)
            let before = try await observer.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") }
            for _ in 0..<5 { #expect(try await client.call(.get, "/readyz").status == .ok) }
            let after = try await observer.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") }
            #expect(before == after, "another connection committed while only /readyz was called")
        }
    }

    /// An SSE stream ends within seconds of a logout, as a socket does.
    @Test func eventStreamsEndWhenTheirSessionEnds() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "1000"]).run { client, env in
            let user = try await client.registerUser("sse@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "hello there, tell me a long story please")
            let started = ContinuousClock.now
            let stream = Task { try await client.call(.get, "/api/runs/\(run)/stream", token: user.access) }
            try await Task.sleep(for: .milliseconds(1500))
            // The test client has one connection, busy with the stream: log out through the service.
            try await env.auth.logout(try await env.auth.authenticate(bearer: user.access), origin: .commandLine)
            let response = try await stream.value
            #expect(response.status == .ok)
            #expect(ContinuousClock.now - started < .seconds(10), "the stream outlived its session")
            #expect(!response.text.contains("run_completed"))
        }
    }

    @Test func aFullDiskOrALockedDatabaseIsUnavailableNotAnInternalError() {
        #expect(Store.unavailability(DatabaseError(resultCode: .SQLITE_FULL))?.code == .unavailable)
        #expect(Store.unavailability(DatabaseError(resultCode: .SQLITE_BUSY))?.code == .unavailable)
        #expect(Store.unavailability(DatabaseError(resultCode: .SQLITE_CONSTRAINT)) == nil)
    }

    /// A cursor carrying Int64.max milliseconds trapped in `Date.millis` and killed the process.
    @Test func aCursorWithAnImpossibleTimeIsMalformedNotFatal() async throws {
        try await TestServer(Self.fast).run { client, _ in
            let user = try await client.registerUser("cursor@example.com")
            for millis in ["9223372036854775807", "-9223372036854775808", "253402300800000", "-1"] {
                let cursor = Data("\(millis)|\(ThreadID.generate().rawValue)".utf8).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                #expect(try await client.call(.get, "/api/threads?cursor=\(cursor)", token: user.access).status == .badRequest, "\(millis)")
            }
            #expect(Date(millis: .max).millis == .max)
            #expect(Date(timeIntervalSince1970: .infinity).millis == .max)
            #expect(try await client.call(.get, "/api/admin/usage?since=2026-12-01T20:17:38.069Z").status == .unauthorized)
            #expect(try await client.call(.get, "/healthz").status == .ok)
        }
    }

    @Test func timesAreAcceptedAsTheAPIWritesThem() {
        #expect(Timestamp.parse("2026-12-01T20:17:38.069Z") != nil)
        #expect(Timestamp.parse("2026-12-01T20:17:38Z") != nil)
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Timestamp.parse(String(repeating: "2", count: 100)) == nil)
    }
}
