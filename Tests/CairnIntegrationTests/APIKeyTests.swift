import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import NIOWebSocket
import Testing
import WSCore

/// Personal API keys over a live server: shown once, stored hashed, scoped, never admin, and
/// refused at once when revoked, expired or when the owner is disabled.
@Suite("Personal API keys")
struct APIKeyTests {
    func createKey(_ client: any TestClientProtocol, _ token: String, _ body: [String: Any]) async throws -> (id: String, key: String) {
        let response = try await client.call(.post, "/api/keys", json: body, token: token)
        #expect(response.status == .created, "\(response.text)")
        let json = try response.json()
        return (try #require(json["id"] as? String), try #require(json["key"] as? String))
    }

    @Test func aChatKeyActsForItsOwnerAndNeverManagesTheAccount() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, env in
            let user = try await client.registerUser("keys@example.com")
            let created = try await client.call(.post, "/api/keys", json: ["name": "laptop script"], token: user.access)
            #expect(created.status == .created)
            let body = try created.json()
            let key = try #require(body["key"] as? String)
            let id = try #require(body["id"] as? String)
            #expect(key.hasPrefix("cairn_\(id)_") && body["scopes"] as? [String] == ["chat"] && body["expires_at"] == nil)
            #expect(key.hasPrefix(try #require(body["prefix"] as? String)))
            // Stored as a digest only.
            let stored = try await env.store.pool.read { db in try String.fetchOne(db, sql: "SELECT secret_hash FROM api_keys") }
            #expect(stored != nil && !key.contains(stored ?? "-") && stored?.count == 64)

            // The key works like its owner's token for chat.
            let (_, run, status) = try await client.startRun(key, input: "What is 2 + 3?")
            #expect(status == .accepted)
            #expect(try await client.waitForRun(key, run)["status"] as? String == "succeeded")
            #expect(try await client.call(.get, "/api/auth/me", token: key).json()["email"] as? String == "keys@example.com")
            // …but not for the account itself.
            for (method, path, json) in [(HTTPRequest.Method.post, "/api/keys", ["name": "more"]), (.post, "/api/auth/password", ["current_password": "correct horse battery", "new_password": "a whole new passphrase"]),
                                         (.post, "/api/auth/ws-ticket", [:]), (.get, "/api/auth/sessions", [:]), (.post, "/api/auth/logout", [:]),
                                         (.delete, "/api/keys/\(id)", [:])] as [(HTTPRequest.Method, String, [String: String])] {
                #expect(try await client.call(method, path, json: json.isEmpty ? nil : json, token: key).status == .forbidden, "\(method) \(path)")
            }
            // The list shows no secret, and when the key was last used.
            let listed = try #require(try await client.call(.get, "/api/keys", token: user.access).json()["items"] as? [[String: Any]])
            #expect(listed.count == 1 && listed[0]["key"] == nil && listed[0]["last_used_at"] is String)
            // Revoked: refused at once.
            #expect(try await client.call(.delete, "/api/keys/\(id)", token: user.access).status == .noContent)
            #expect(try await client.call(.get, "/api/threads", token: key).status == .unauthorized)
            #expect(try await client.call(.delete, "/api/keys/\(id)", token: user.access).status == .notFound)
            let audited = try await AuditRepository(env.store.pool).list(AuditQuery(target: id))
            #expect(Set(audited.map(\.action)) == ["auth.api_key_created", "auth.api_key_revoked", "auth.api_key_revoked_used"])
        }
    }

    @Test func aReadKeyOnlyReadsAndAnAdminsKeyIsNoAdmin() async throws {
        try await TestServer().run { client, env in
            _ = try await env.auth.createAdmin(email: "root@example.com", password: "correct horse battery", name: nil, origin: .commandLine, actor: "test")
            let login = try await client.call(.post, "/api/auth/login", json: ["email": "root@example.com", "password": "correct horse battery"]).json()
            let admin = try #require(login["access_token"] as? String)
            let (_, adminKey) = try await createKey(client, admin, ["name": "ops", "scopes": ["chat"]])
            #expect(try await client.call(.get, "/api/admin/users", token: adminKey).status == .forbidden)
            #expect(try await client.call(.get, "/api/admin/settings", token: adminKey).status == .forbidden)
            #expect(try await client.call(.get, "/metrics", token: adminKey).status == .forbidden)
            #expect(try await client.call(.get, "/api/admin/users", token: admin).status == .ok)

            let user = try await client.registerUser("reader@example.com")
            let (_, reader) = try await createKey(client, user.access, ["name": "dashboard", "scopes": ["read"], "expires_in_days": 30])
            #expect(try await client.call(.get, "/api/threads", token: reader).status == .ok)
            #expect(try await client.call(.post, "/api/threads", json: [:], token: reader).status == .forbidden)
            let port = try #require(client.port)
            let opened = Shared(false)
            await #expect(throws: (any Error).self) {
                try await openSocket(port: port, headers: ["Authorization": "Bearer \(reader)"]) { _, _ in opened.value = true }
            }
            #expect(!opened.value)
            // A chat key opens /ws.
            let (_, chat) = try await createKey(client, user.access, ["name": "bot"])
            try await openSocket(port: port, headers: ["Authorization": "Bearer \(chat)"]) { inbox, _ in
                _ = try await inbox.wait("established") { !$0.isEmpty }
            }
            // Forged and malformed keys are 401.
            for bad in [chat.dropLast(2) + "xx", "cairn_", "cairn_key_nonsense", String(chat.prefix(36))] {
                #expect(try await client.call(.get, "/api/threads", token: String(bad)).status == .unauthorized, "\(bad)")
            }
        }
    }

    @Test func keysStopWithADisabledOwnerAndWhenExpired() async throws {
        try await TestServer().run { client, env in
            _ = try await env.auth.createAdmin(email: "boss@example.com", password: "correct horse battery", name: nil, origin: .commandLine, actor: "test")
            let admin = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "boss@example.com", "password": "correct horse battery"]).json()["access_token"] as? String)
            let user = try await client.registerUser("leaver@example.com")
            let (_, key) = try await createKey(client, user.access, ["name": "cron"])
            let (expiringID, expiring) = try await createKey(client, user.access, ["name": "short", "expires_in_days": 1])
            #expect(try await client.call(.get, "/api/threads", token: expiring).status == .ok)
            try await env.store.pool.write { db in
                try db.execute(sql: "UPDATE api_keys SET expires_at = ? WHERE id = ?", arguments: [Date().addingTimeInterval(-1).millis, expiringID])
            }
            #expect(try await client.call(.get, "/api/threads", token: expiring).status == .unauthorized)
            #expect(try await client.call(.get, "/api/threads", token: key).status == .ok)
            #expect(try await client.call(.patch, "/api/admin/users/\(user.userID)", json: ["disabled": true], token: admin).status == .ok)
            #expect(try await client.call(.get, "/api/threads", token: key).status == .unauthorized)
            // Re-enabled, the account's old keys stay revoked.
            #expect(try await client.call(.patch, "/api/admin/users/\(user.userID)", json: ["disabled": false], token: admin).status == .ok)
            #expect(try await client.call(.get, "/api/threads", token: key).status == .unauthorized)
        }
    }

    @Test func adminsListAndRevokeAnyUsersKeysAndUseAfterRevokeIsAudited() async throws {
        try await TestServer().run { client, env in
            _ = try await env.auth.createAdmin(email: "chief@example.com", password: "correct horse battery", name: nil, origin: .commandLine, actor: "test")
            let admin = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "chief@example.com", "password": "correct horse battery"]).json()["access_token"] as? String)
            let user = try await client.registerUser("held@example.com")
            let (id, key) = try await createKey(client, user.access, ["name": "nightly"])
            let listed = try #require(try await client.call(.get, "/api/admin/users/\(user.userID)/keys", token: admin).json()["items"] as? [[String: Any]])
            #expect(listed.map { $0["id"] as? String } == [id] && listed[0]["key"] == nil)
            #expect(try await client.call(.get, "/api/admin/users/\(user.userID)/keys", token: user.access).status == .forbidden)
            #expect(try await client.call(.delete, "/api/admin/users/\(user.userID)/keys/\(id)", token: admin).status == .noContent)
            #expect(try await client.call(.delete, "/api/admin/users/\(user.userID)/keys/\(id)", token: admin).status == .notFound)
            for _ in 0..<3 { #expect(try await client.call(.get, "/api/threads", token: key).status == .unauthorized) }
            let audit = AuditRepository(env.store.pool)
            #expect(try await audit.list(AuditQuery(action: "admin.api_key_revoked")).first?.target == id)
            #expect(try await audit.list(AuditQuery(action: "auth.api_key_revoked_used")).count == 1, "once a minute per key")
        }
    }

    @Test func invalidRequestsNameTheField() async throws {
        try await TestServer().run { client, _ in
            let user = try await client.registerUser("picky@example.com")
            let other = try await client.registerUser("other@example.com")
            for (body, field) in [(["name": ""], "name"), (["name": String(repeating: "n", count: 101)], "name"),
                                  (["name": "x", "scopes": ["admin"]], "scopes"), (["name": "x", "scopes": []], "scopes"),
                                  (["name": "x", "expires_in_days": 0], "expires_in_days"), (["name": "x", "expires_in_days": 1e300], "expires_in_days")]
                as [([String: Any], String)] {
                let response = try await client.call(.post, "/api/keys", json: body, token: user.access)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(((try response.json()["error"] as? [String: Any])?["details"] as? [String: String])?[field] != nil, "\(body) \(response.text)")
            }
            let (id, _) = try await createKey(client, user.access, ["name": "mine"])
            #expect(try await client.call(.delete, "/api/keys/\(id)", token: other.access).status == .notFound)
            #expect(try await client.call(.delete, "/api/keys/not-an-id", token: user.access).status == .notFound)
            #expect((try await client.call(.get, "/api/keys", token: other.access).json()["items"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await client.call(.get, "/api/keys").status == .unauthorized)
        }
    }

    @Test func aSocketOpenedWithAKeyClosesWhenTheKeyIsRevoked() async throws {
        try await TestServer().run { client, _ in
            let user = try await client.registerUser("socket-key@example.com")
            let (id, key) = try await createKey(client, user.access, ["name": "bot"])
            let port = try #require(client.port)
            let connected = Shared(false)
            async let close = openSocket(port: port, headers: ["Authorization": "Bearer \(key)"]) { inbox, _ in
                try await inbox.wait("established") { !$0.isEmpty }
                connected.value = true
                try await inbox.waitClosed(timeout: .seconds(5))
            }
            while !connected.value { try await Task.sleep(for: .milliseconds(5)) }
            #expect(try await client.call(.delete, "/api/keys/\(id)", token: user.access).status == .noContent)
            #expect(try await close?.closeCode == .unknown(4401))
        }
    }

    /// Two sockets of one user opened with two keys are two credentials: revoking one key closes
    /// only its socket (the watcher once keyed sockets by user and session, which keys lack).
    @Test func revokingOneKeyClosesOnlyTheSocketOpenedWithIt() async throws {
        try await TestServer().run { client, _ in
            let user = try await client.registerUser("two-keys@example.com")
            let (first, firstKey) = try await createKey(client, user.access, ["name": "one"])
            let (_, secondKey) = try await createKey(client, user.access, ["name": "two"])
            let port = try #require(client.port)
            let ready = Shared(0)
            let revoked = Shared(false)
            async let firstClose = openSocket(port: port, headers: ["Authorization": "Bearer \(firstKey)"]) { inbox, _ in
                try await inbox.wait("established") { !$0.isEmpty }
                ready.value += 1
                try await inbox.waitClosed(timeout: .seconds(5))
            }
            async let secondClose = openSocket(port: port, headers: ["Authorization": "Bearer \(secondKey)"]) { inbox, sender in
                try await inbox.wait("established") { !$0.isEmpty }
                ready.value += 1
                while !revoked.value { try await Task.sleep(for: .milliseconds(5)) }
                // Past two checks of the watcher (one a second), this socket still answers.
                try await Task.sleep(for: .milliseconds(2_500))
                try await sender.send(["type": "ping"])
                try await inbox.wait("pong") { frameTypes($0).contains("pong") }
                #expect(!inbox.closed)
            }
            while ready.value < 2 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(try await client.call(.delete, "/api/keys/\(first)", token: user.access).status == .noContent)
            revoked.value = true
            #expect(try await firstClose?.closeCode == .unknown(4401))
            #expect(try await secondClose?.closeCode != .unknown(4401))
        }
    }
}
