import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Accounts and authentication over a live server")
struct AuthFlowTests {
    func auditActions(_ env: ServerEnvironment) async throws -> [String] {
        try await AuditRepository(env.store.pool).list(AuditQuery(limit: 200)).map(\.action).reversed()
    }

    @Test func fullLifecycleSurvivesARestart() async throws {
        let server = try TestServer()
        let (revokedAccess, revokedRefresh) = try await server.run { client, env in
            let registered = try await client.call(.post, "/api/auth/register",
                                                   json: ["email": "Ada@Example.com", "password": "correct horse battery", "name": "Ada"])
            #expect(registered.status == .created)
            let body = try registered.json()
            #expect(body["token_type"] as? String == "Bearer")
            #expect(body["expires_in"] as? Int == 900)
            let user = try #require(body["user"] as? [String: Any])
            #expect(user["email"] as? String == "ada@example.com")
            #expect((user["id"] as? String).flatMap(UserID.init) != nil)

            let login = try await client.call(.post, "/api/auth/login", json: ["email": "ADA@example.com", "password": "correct horse battery"])
            #expect(login.status == .ok)
            let access = try #require(try login.json()["access_token"] as? String)
            let refresh = try #require(try login.json()["refresh_token"] as? String)

            let me = try await client.call(.get, "/api/auth/me", token: access)
            #expect(me.status == .ok)
            let meBody = try me.json()
            #expect(meBody["email"] as? String == "ada@example.com")
            #expect(meBody["role"] as? String == "user")
            #expect(meBody["auth_provider"] as? String == "password")
            #expect((meBody["created_at"] as? String)?.hasSuffix("Z") == true)

            // Refresh rotates: the new pair works, the old refresh token is now spent.
            let rotated = try await client.call(.post, "/api/auth/refresh", json: ["refresh_token": refresh])
            #expect(rotated.status == .ok)
            let access2 = try #require(try rotated.json()["access_token"] as? String)
            let refresh2 = try #require(try rotated.json()["refresh_token"] as? String)
            #expect(refresh2 != refresh)
            #expect(try await client.call(.get, "/api/auth/me", token: access2).status == .ok)

            // Re-using the spent token is theft: the whole session dies, including the fresh pair.
            let reuse = try await client.call(.post, "/api/auth/refresh", json: ["refresh_token": refresh])
            #expect(reuse.status == .unauthorized)
            #expect(try await client.call(.post, "/api/auth/refresh", json: ["refresh_token": refresh2]).status == .unauthorized)
            #expect(try await client.call(.get, "/api/auth/me", token: access2).status == .unauthorized)

            // A new login; logout kills its access and refresh tokens at once.
            let second = try await client.call(.post, "/api/auth/login", json: ["email": "ada@example.com", "password": "correct horse battery"])
            let access3 = try #require(try second.json()["access_token"] as? String)
            let refresh3 = try #require(try second.json()["refresh_token"] as? String)
            #expect(try await client.call(.post, "/api/auth/logout", token: access3).status == .noContent)
            #expect(try await client.call(.get, "/api/auth/me", token: access3).status == .unauthorized)
            #expect(try await client.call(.post, "/api/auth/refresh", json: ["refresh_token": refresh3]).status == .unauthorized)

            let actions = try await auditActions(env)
            for action in ["auth.register", "auth.login_succeeded", "auth.refresh_reuse_detected", "auth.logout"] {
                #expect(actions.contains(action), "missing audit \(action)")
            }
            let audit = try await AuditRepository(env.store.pool).list(AuditQuery(limit: 200))
            for entry in audit {
                #expect(!(entry.details ?? "").contains("correct horse"), "audit must never hold a password")
            }
            return (access3, refresh3)
        }
        // Restart on the same database: revocations still hold.
        try await server.run { client, _ in
            #expect(try await client.call(.get, "/api/auth/me", token: revokedAccess).status == .unauthorized)
            #expect(try await client.call(.post, "/api/auth/refresh", json: ["refresh_token": revokedRefresh]).status == .unauthorized)
            // ...and a fresh login still works with the persisted signing key.
            let login = try await client.call(.post, "/api/auth/login", json: ["email": "ada@example.com", "password": "correct horse battery"])
            #expect(login.status == .ok)
        }
    }

    @Test func tokensIssuedBeforeARestartStillVerify() async throws {
        let server = try TestServer()
        let access = try await server.run { client, _ in try await client.registerUser("keep@example.com").access }
        try await server.run { client, _ in
            #expect(try await client.call(.get, "/api/auth/me", token: access).status == .ok)
            let jwks = try await client.call(.get, "/.well-known/jwks.json")
            #expect(jwks.status == .ok)
            #expect(((try jwks.json()["keys"]) as? [Any])?.count == 1)
        }
    }

    @Test func logoutAllEndsEverySession() async throws {
        try await TestServer().run { client, _ in
            let first = try await client.registerUser("multi@example.com")
            let second = try await client.call(.post, "/api/auth/login", json: ["email": "multi@example.com", "password": "correct horse battery"])
            let secondAccess = try #require(try second.json()["access_token"] as? String)
            let sessions = try await client.call(.get, "/api/auth/sessions", token: first.access)
            let items = try #require(try sessions.json()["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(try await client.call(.post, "/api/auth/logout-all", token: secondAccess).status == .noContent)
            #expect(try await client.call(.get, "/api/auth/me", token: first.access).status == .unauthorized)
            #expect(try await client.call(.get, "/api/auth/me", token: secondAccess).status == .unauthorized)
            #expect(try await client.call(.post, "/api/auth/refresh", json: ["refresh_token": first.refresh]).status == .unauthorized)
        }
    }

    @Test func usersNeverSeeOrRevokeEachOthersSessions() async throws {
        try await TestServer().run { client, _ in
            let alice = try await client.registerUser("alice@example.com")
            let bob = try await client.registerUser("bob@example.com")
            let bobSessions = try await client.call(.get, "/api/auth/sessions", token: bob.access)
            let bobSession = try #require((try bobSessions.json()["items"] as? [[String: Any]])?.first?["id"] as? String)
            let aliceSessions = try #require(try await client.call(.get, "/api/auth/sessions", token: alice.access).json()["items"] as? [[String: Any]])
            #expect(aliceSessions.count == 1)
            #expect(aliceSessions.allSatisfy { $0["id"] as? String != bobSession })
            // Alice cannot revoke Bob's session: it does not exist for her.
            let attempt = try await client.call(.delete, "/api/auth/sessions/\(bobSession)", token: alice.access)
            #expect(attempt.status == .notFound)
            #expect(try await client.call(.get, "/api/auth/me", token: bob.access).status == .ok)
            // Malformed ids are not found, never a server error.
            #expect(try await client.call(.delete, "/api/auth/sessions/not-an-id", token: alice.access).status == .notFound)
            #expect(try await client.call(.delete, "/api/auth/sessions/\(alice.userID)", token: alice.access).status == .notFound)
            // Bob revokes his own session.
            #expect(try await client.call(.delete, "/api/auth/sessions/\(bobSession)", token: bob.access).status == .noContent)
            #expect(try await client.call(.get, "/api/auth/me", token: bob.access).status == .unauthorized)
        }
    }

    @Test func lockoutAfterRepeatedFailuresAnd429() async throws {
        try await TestServer(["auth.lockout_threshold": "3"]).run { client, env in
            _ = try await client.registerUser("lock@example.com")
            for _ in 0..<3 {
                let wrong = try await client.call(.post, "/api/auth/login", json: ["email": "lock@example.com", "password": "wrong password 123"])
                #expect(wrong.status == .unauthorized)
                #expect(try wrong.errorCode() == "invalid_credentials")
            }
            let locked = try await client.call(.post, "/api/auth/login", json: ["email": "lock@example.com", "password": "correct horse battery"])
            #expect(locked.status == .tooManyRequests)
            #expect(try locked.errorCode() == "rate_limited")
            let retryAfter = try #require(locked.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter > 0 && retryAfter <= 900)
            #expect(try await auditActions(env).contains("auth.lockout"))

            // Unknown emails behave the same way: no oracle for which accounts exist.
            for _ in 0..<3 {
                let ghost = try await client.call(.post, "/api/auth/login", json: ["email": "ghost@example.com", "password": "wrong password 123"])
                #expect(ghost.status == .unauthorized)
                #expect(try ghost.errorCode() == "invalid_credentials")
            }
            #expect(try await client.call(.post, "/api/auth/login", json: ["email": "ghost@example.com", "password": "x1234567890"]).status == .tooManyRequests)
        }
    }

    @Test func perIPLoginRateLimit() async throws {
        try await TestServer(["ratelimit.login_per_ip_per_minute": "4", "auth.lockout_threshold": "100"]).run { client, _ in
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<6 {
                let response = try await client.call(.post, "/api/auth/login", json: ["email": "user\(index)@example.com", "password": "wrong password 123"])
                statuses.append(response.status)
            }
            #expect(statuses.prefix(4).allSatisfy { $0 == .unauthorized })
            #expect(statuses.suffix(2).allSatisfy { $0 == .tooManyRequests })
        }
    }

    @Test func approvalAndClosedRegistration() async throws {
        try await TestServer(["auth.registration": "approval"]).run { client, env in
            let pending = try await client.call(.post, "/api/auth/register", json: ["email": "wait@example.com", "password": "correct horse battery"])
            #expect(pending.status == .accepted)
            let body = try pending.json()
            #expect(body["status"] as? String == "pending")
            #expect(body["access_token"] == nil)
            let userID = try #require((body["user"] as? [String: Any])?["id"] as? String)
            let login = try await client.call(.post, "/api/auth/login", json: ["email": "wait@example.com", "password": "correct horse battery"])
            #expect(login.status == .unauthorized)

            // An administrator approves; then the user can sign in.
            _ = try await env.auth.createAdmin(email: "root@example.com", password: "admin password 1", name: nil, origin: .commandLine, actor: "test")
            let admin = try await client.call(.post, "/api/auth/login", json: ["email": "root@example.com", "password": "admin password 1"])
            let adminToken = try #require(try admin.json()["access_token"] as? String)
            let approve = try await client.call(.patch, "/api/admin/users/\(userID)", json: ["status": "active"], token: adminToken)
            #expect(approve.status == .ok)
            #expect(try approve.json()["status"] as? String == "active")
            #expect(try await client.call(.post, "/api/auth/login", json: ["email": "wait@example.com", "password": "correct horse battery"]).status == .ok)
            #expect(try await auditActions(env).contains("admin.user_updated"))
        }
        try await TestServer(["auth.registration": "closed"]).run { client, env in
            let closed = try await client.call(.post, "/api/auth/register", json: ["email": "no@example.com", "password": "correct horse battery"])
            #expect(closed.status == .forbidden)
            #expect(try await UserRepository(env.store.pool).find(emailNormalized: "no@example.com") == nil)
        }
    }

    @Test func disabledUsersCannotSignInAndTheirTokensStop() async throws {
        try await TestServer().run { client, env in
            let user = try await client.registerUser("bad@example.com")
            _ = try await env.auth.createAdmin(email: "root@example.com", password: "admin password 1", name: nil, origin: .commandLine, actor: "test")
            let admin = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "root@example.com", "password": "admin password 1"]).json()["access_token"] as? String)
            // A non-admin is refused admin routes.
            #expect(try await client.call(.get, "/api/admin/users", token: user.access).status == .forbidden)
            let users = try await client.call(.get, "/api/admin/users?q=bad", token: admin)
            #expect((try users.json()["items"] as? [Any])?.count == 1)
            #expect(try await client.call(.patch, "/api/admin/users/\(user.userID)", json: ["disabled": true], token: admin).status == .ok)
            #expect(try await client.call(.get, "/api/auth/me", token: user.access).status == .unauthorized)
            #expect(try await client.call(.post, "/api/auth/refresh", json: ["refresh_token": user.refresh]).status == .unauthorized)
            let login = try await client.call(.post, "/api/auth/login", json: ["email": "bad@example.com", "password": "correct horse battery"])
            #expect(login.status == .unauthorized)
            #expect(try login.errorCode() == "invalid_credentials")
            let audit = try await client.call(.get, "/api/admin/audit?action=admin.user_updated", token: admin)
            let entries = try #require(try audit.json()["items"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries.first?["target"] as? String == user.userID)
        }
    }

    @Test func passwordChangeRevokesOtherSessions() async throws {
        try await TestServer().run { client, env in
            let first = try await client.registerUser("pw@example.com")
            let other = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "pw@example.com", "password": "correct horse battery"]).json()["access_token"] as? String)
            let wrong = try await client.call(.post, "/api/auth/password", json: ["current_password": "not it at all", "new_password": "a brand new secret"], token: first.access)
            #expect(wrong.status == .unprocessableContent)
            let weak = try await client.call(.post, "/api/auth/password", json: ["current_password": "correct horse battery", "new_password": "short"], token: first.access)
            #expect(weak.status == .unprocessableContent)
            let changed = try await client.call(.post, "/api/auth/password", json: ["current_password": "correct horse battery", "new_password": "a brand new secret"], token: first.access)
            #expect(changed.status == .noContent)
            #expect(try await client.call(.get, "/api/auth/me", token: first.access).status == .ok)
            #expect(try await client.call(.get, "/api/auth/me", token: other).status == .unauthorized)
            #expect(try await client.call(.post, "/api/auth/login", json: ["email": "pw@example.com", "password": "a brand new secret"]).status == .ok)
            #expect(try await auditActions(env).contains("auth.password_changed"))
        }
    }

    @Test func setupTokenCreatesTheFirstAdminOnce() async throws {
        try await TestServer().run { client, env in
            let token = try #require(try await env.auth.issueSetupTokenIfNeeded())
            let bad = try await client.call(.post, "/api/auth/setup", json: ["setup_token": "guess", "email": "a@example.com", "password": "admin password 1"])
            #expect(bad.status == .forbidden)
            let good = try await client.call(.post, "/api/auth/setup", json: ["setup_token": token, "email": "first@example.com", "password": "admin password 1"])
            #expect(good.status == .created)
            #expect((try good.json()["user"] as? [String: Any])?["role"] as? String == "admin")
            let again = try await client.call(.post, "/api/auth/setup", json: ["setup_token": token, "email": "second@example.com", "password": "admin password 1"])
            #expect(again.status == .forbidden)
            #expect(try await env.auth.issueSetupTokenIfNeeded() == nil)
        }
    }

    @Test func badInputGetsTheRightErrorAndWritesNothing() async throws {
        try await TestServer().run { client, env in
            let cases: [(String?, HTTPResponse.Status, String)] = [
                ("{not json", .badRequest, "invalid_request"),
                ("[]", .badRequest, "invalid_request"),
                ("\"just a string\"", .badRequest, "invalid_request"),
                ("{}", .unprocessableContent, "validation_failed"),
                (#"{"email": "x@example.com"}"#, .unprocessableContent, "validation_failed"),
                (#"{"email": 42, "password": "correct horse battery"}"#, .unprocessableContent, "validation_failed"),
                (#"{"email": "", "password": ""}"#, .unprocessableContent, "validation_failed"),
                (#"{"email": "not-an-email", "password": "correct horse battery"}"#, .unprocessableContent, "validation_failed"),
                (#"{"email": "x'; DROP TABLE users; --@example.com", "password": "correct horse battery"}"#, .unprocessableContent, "validation_failed"),
                (#"{"email": "weak@example.com", "password": "short"}"#, .unprocessableContent, "validation_failed"),
                (#"{"email": "\u0000@example.com", "password": "correct horse battery"}"#, .unprocessableContent, "validation_failed"),
                (nil, .badRequest, "invalid_request"),
            ]
            for (raw, status, code) in cases {
                let response = try await client.execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"],
                                                        body: raw.map { ByteBuffer(string: $0) })
                #expect(response.status == status, "\(raw ?? "<empty>") → \(response.status)")
                #expect(try response.errorCode() == code)
                #expect(!response.text.contains("SQL"))
            }
            let detailed = try await client.call(.post, "/api/auth/register", json: ["email": "weak@example.com", "password": "short"])
            let details = (try detailed.json()["error"] as? [String: Any])?["details"] as? [String: String]
            #expect(details?["password"] != nil)

            let huge = ByteBuffer(repeating: UInt8(ascii: "a"), count: 10 * 1024 * 1024)
            let tooBig = try await client.execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"], body: huge)
            #expect(tooBig.status == .contentTooLarge)
            #expect(try await UserRepository(env.store.pool).list(search: nil, after: nil, limit: 10).isEmpty)

            // Duplicate email (any case) is a conflict.
            _ = try await client.registerUser("dup@example.com")
            let dup = try await client.call(.post, "/api/auth/register", json: ["email": "DUP@example.com", "password": "correct horse battery"])
            #expect(dup.status == .conflict)
        }
    }

    @Test func bearerHeadersAreStrict() async throws {
        try await TestServer().run { client, _ in
            let user = try await client.registerUser("strict@example.com")
            let cases: [String?] = [nil, "", "Bearer", "Bearer ", "Basic \(user.access)", "bearer", user.access, "Bearer \(user.refresh)",
                                    "Bearer \(user.access)x", "Bearer a.b.c", "Bearer a.b.c.d.e"]
            for header in cases {
                var fields: HTTPFields = [:]
                if let header { fields[.authorization] = header }
                let response = try await client.execute(uri: "/api/auth/me", method: .get, headers: fields)
                #expect(response.status == .unauthorized, "\(header ?? "<none>")")
                #expect(try response.errorCode() == "unauthenticated")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            #expect(try await client.execute(uri: "/api/auth/me", method: .get, headers: [.authorization: "bearer \(user.access)"]).status == .ok)
        }
    }

    @Test func expiredSecurityStateIsPruned() async throws {
        let clock = ManualClock(Date())
        try await TestServer().run(clock: clock) { client, env in
            let user = try await client.registerUser("prune@example.com")
            _ = try await client.call(.post, "/api/auth/refresh", json: ["refresh_token": user.refresh])
            let login = try await client.call(.post, "/api/auth/login", json: ["email": "prune@example.com", "password": "correct horse battery"])
            let access = try #require(try login.json()["access_token"] as? String)
            #expect(try await client.call(.post, "/api/auth/logout", token: access).status == .noContent)
            func counts() async throws -> (Int, Int) {
                try await env.store.pool.read { db in
                    (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM revoked_tokens") ?? -1,
                     try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM used_refresh_tokens") ?? -1)
                }
            }
            #expect(try await counts() == (1, 1))
            // Past every expiry, pruning removes the rows; nothing that could still verify is lost.
            clock.advance(by: 15 * 86_400)
            try await env.auth.prune()
            #expect(try await counts() == (0, 0))
        }
    }

    @Test func concurrentRefreshOfOneTokenYieldsAtMostOneWinner() async throws {
        try await TestServer().run { client, _ in
            let user = try await client.registerUser("race@example.com")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await client.call(.post, "/api/auth/refresh", json: ["refresh_token": user.refresh]).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count <= 1)
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .unauthorized })
        }
    }
}
