import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `GET /api/admin/users/{id}/sessions` and `DELETE /api/admin/users/{id}/sessions/{session}`
/// over a live server: an administrator sees a user's live sessions and ends one of them at
/// once, leaving the others working; the revocation is audited; nobody else may do either.
@Suite("Admin: a user's sessions")
struct AdminUserSessionsTests {
    static let password = "correct horse battery"

    func admin(_ client: any TestClientProtocol, _ env: ServerEnvironment) async throws -> (token: String, id: String) {
        let created = try await env.auth.createAdmin(email: "admin@example.com", password: Self.password, name: "Ada Admin", origin: .commandLine, actor: "test")
        let login = try await client.call(.post, "/api/auth/login", json: ["email": "admin@example.com", "password": Self.password]).json()
        return (try #require(login["access_token"] as? String), created.id.rawValue)
    }

    /// A new session of `email` signed in with `agent` as its user agent: its access token and id.
    func signIn(_ client: any TestClientProtocol, _ env: ServerEnvironment, _ email: String, agent: String) async throws -> (access: String, session: String) {
        let login = try await client.call(.post, "/api/auth/login", json: ["email": email, "password": Self.password], extraHeaders: ["User-Agent": agent])
        #expect(login.status == .ok)
        let access = try #require(try login.json()["access_token"] as? String)
        return (access, try #require(try await env.auth.authenticate(bearer: access).sessionID?.rawValue))
    }

    func sessions(_ client: any TestClientProtocol, _ user: String, _ token: String) async throws -> [[String: Any]] {
        let response = try await client.call(.get, "/api/admin/users/\(user)/sessions", token: token)
        #expect(response.status == .ok)
        let body = try response.json()
        #expect(body.keys.contains("next_cursor") && body["next_cursor"] is NSNull)
        return try #require(body["items"] as? [[String: Any]])
    }

    @Test func anAdministratorListsAUsersLiveSessionsAndRevokesOneOfThem() async throws {
        let settings = ["ratelimit.login_per_ip_per_minute": "500"]
        try await TestServer(settings).run { client, env in
            let (token, adminID) = try await admin(client, env)
            let user = try await client.registerUser("held@example.com")
            let laptop = try await signIn(client, env, "held@example.com", agent: "laptop browser")
            let phone = try await signIn(client, env, "held@example.com", agent: "phone browser")
            // A session that has ended is not listed.
            let gone = try await signIn(client, env, "held@example.com", agent: "gone")
            #expect(try await client.call(.post, "/api/auth/logout", token: gone.access).status == .noContent)
            let registered = try #require(try await env.auth.authenticate(bearer: user.access).sessionID?.rawValue)

            let listed = try await sessions(client, user.userID, token)
            #expect(listed.compactMap { $0["id"] as? String } == [phone.session, laptop.session, registered], "live ones only, newest first")
            let laptopRow = try #require(listed.first { $0["id"] as? String == laptop.session })
            #expect(laptopRow["user_agent"] as? String == "laptop browser")
            // The same facts the user sees of their own session.
            let own = try #require(try await client.call(.get, "/api/auth/sessions", token: phone.access).json()["items"] as? [[String: Any]])
            let ownLaptop = try #require(own.first { $0["id"] as? String == laptop.session })
            for field in ["created_at", "last_used_at", "expires_at", "ip", "user_agent"] {
                #expect(laptopRow[field] as? String != nil && laptopRow[field] as? String == ownLaptop[field] as? String, "\(field)")
            }
            for field in ["created_at", "last_used_at", "expires_at"] {
                #expect((laptopRow[field] as? String).flatMap(Timestamp.parse) != nil, "\(field) is a timestamp")
            }
            #expect(laptopRow["current"] == nil && laptopRow["refresh_jti"] == nil, "no secrets or caller-relative fields")

            // Revoking one ends it at once; the user's other sessions go on working.
            let revoked = try await client.call(.delete, "/api/admin/users/\(user.userID)/sessions/\(laptop.session)", token: token)
            #expect(revoked.status == .noContent)
            #expect(try await client.call(.get, "/api/auth/me", token: laptop.access).status == .unauthorized)
            #expect(try await client.call(.get, "/api/auth/me", token: phone.access).status == .ok)
            #expect(try await client.call(.get, "/api/auth/me", token: user.access).status == .ok)
            #expect(try await sessions(client, user.userID, token).compactMap { $0["id"] as? String } == [phone.session, registered])
            // Twice is 404: the session is no longer live.
            #expect(try await client.call(.delete, "/api/admin/users/\(user.userID)/sessions/\(laptop.session)", token: token).status == .notFound)

            let audit = try await client.call(.get, "/api/admin/audit?action=admin.session_revoked", token: token).json()["items"] as? [[String: Any]] ?? []
            #expect(audit.count == 1)
            #expect(audit.first?["actor"] as? String == adminID && audit.first?["target"] as? String == laptop.session)
            #expect((audit.first?["details"] as? [String: String])?["user"] == user.userID)
        }
    }

    @Test func aSessionOfAnotherUserOrAnUnknownOneIsNotFoundAndStaysLive() async throws {
        try await TestServer().run { client, env in
            let (token, _) = try await admin(client, env)
            let user = try await client.registerUser("one@example.com")
            let other = try await client.registerUser("two@example.com")
            let othersSession = try #require(try await env.auth.authenticate(bearer: other.access).sessionID?.rawValue)

            let crossed = try await client.call(.delete, "/api/admin/users/\(user.userID)/sessions/\(othersSession)", token: token)
            #expect(crossed.status == .notFound)
            #expect(try crossed.errorCode() == "not_found")
            #expect(try await client.call(.get, "/api/auth/me", token: other.access).status == .ok)
            #expect(try await sessions(client, other.userID, token).compactMap { $0["id"] as? String } == [othersSession])

            // Unknown or malformed ids, in either place, are 404 and never a crash.
            let unknownUser = "usr_01jdz0000000000000000000000"
            for path in ["/api/admin/users/\(unknownUser)/sessions", "/api/admin/users/not-an-id/sessions",
                         "/api/admin/users/%00%ff/sessions", "/api/admin/users/\(String(repeating: "u", count: 5000))/sessions"] {
                #expect(try await client.call(.get, path, token: token).status == .notFound, "\(path.prefix(60))")
            }
            for path in ["/api/admin/users/\(unknownUser)/sessions/\(othersSession)", "/api/admin/users/\(user.userID)/sessions/ses_nope",
                         "/api/admin/users/\(user.userID)/sessions/\(user.userID)", "/api/admin/users/\(user.userID)/sessions/%27%3B--",
                         "/api/admin/users/not-an-id/sessions/\(othersSession)"] {
                #expect(try await client.call(.delete, path, token: token).status == .notFound, "\(path)")
            }
            #expect(try await client.call(.get, "/api/auth/me", token: other.access).status == .ok)
            let audit = try await client.call(.get, "/api/admin/audit?action=admin.session_revoked", token: token).json()["items"] as? [[String: Any]]
            #expect(audit?.isEmpty == true, "nothing revoked, nothing audited")
        }
    }

    @Test func onlyASignedInAdministratorMayListOrRevoke() async throws {
        try await TestServer().run { client, env in
            let (token, _) = try await admin(client, env)
            let user = try await client.registerUser("target@example.com")
            let plain = try await client.registerUser("plain@example.com")
            let session = try #require(try await env.auth.authenticate(bearer: user.access).sessionID?.rawValue)
            let adminKey = try #require(try await client.call(.post, "/api/keys", json: ["name": "admin key"], token: token).json()["key"] as? String)
            let list = "/api/admin/users/\(user.userID)/sessions"
            let revoke = "\(list)/\(session)"
            for (method, path) in [(HTTPRequest.Method.get, list), (.delete, revoke)] {
                #expect(try await client.call(method, path, token: plain.access).status == .forbidden, "a normal user")
                #expect(try await client.call(method, path).status == .unauthorized, "anonymous")
                #expect(try await client.call(method, path, token: adminKey).status == .forbidden, "an administrator's API key")
            }
            #expect(try await client.call(.get, "/api/auth/me", token: user.access).status == .ok, "the session survived every refused call")
        }
    }
}
