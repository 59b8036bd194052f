import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import CairnTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PropertyBased
import Testing

/// Every route the router knows, taken from the router itself: who may call it, that the
/// OpenAPI description covers it, and that no body a client can send makes it fail with a 5xx.
/// A route added without a row in `Self.access` fails these tests.
@Suite("Every route: authorization, description and hostile bodies")
struct RouteMatrixTests {
    /// Who may call a route.
    enum Access { case open, signedIn, owned, admin, metrics, assets }

    static let access: [String: Access] = [
        "GET /healthz": .open, "GET /readyz": .open, "GET /.well-known/jwks.json": .open, "GET /api/openapi.json": .open,
        "GET /metrics": .metrics,
        "POST /api/auth/register": .open, "POST /api/auth/login": .open, "POST /api/auth/refresh": .open,
        "GET /api/auth/providers": .open, "POST /api/auth/setup": .open,
        "POST /api/auth/ws-ticket": .signedIn, "GET /api/auth/me": .signedIn, "GET /api/auth/sessions": .signedIn,
        "DELETE /api/auth/sessions/{id}": .owned, "POST /api/auth/password": .signedIn,
        "POST /api/auth/logout": .signedIn, "POST /api/auth/logout-all": .signedIn,
        "GET /api/threads": .signedIn, "POST /api/threads": .signedIn, "GET /api/threads/{id}": .owned, "PATCH /api/threads/{id}": .owned,
        "DELETE /api/threads/{id}": .owned, "GET /api/threads/{id}/messages": .owned, "POST /api/threads/{id}/runs": .owned,
        "GET /api/runs/{id}": .owned, "POST /api/runs/{id}/cancel": .owned, "POST /api/runs/{id}/resume": .owned,
        "GET /api/runs/{id}/events": .owned, "GET /api/runs/{id}/stream": .owned,
        "GET /api/search": .signedIn, "GET /api/agents": .signedIn,
        "GET /api/admin/users": .admin, "PATCH /api/admin/users/{id}": .admin, "POST /api/admin/users/{id}/unlock": .admin,
        "POST /api/admin/users/{id}/revoke-sessions": .admin, "GET /api/admin/audit": .admin,
        "GET /api/admin/agents": .admin, "PUT /api/admin/agents/{name}": .admin,
        "GET /api/admin/providers": .admin, "GET /api/admin/providers/{name}": .admin, "PUT /api/admin/providers/{name}": .admin,
        "DELETE /api/admin/providers/{name}": .admin, "POST /api/admin/providers/{name}/test": .admin, "GET /api/admin/usage": .admin,
        "GET /api/admin/breakers": .admin, "GET /api/admin/breakers/{name}": .admin, "POST /api/admin/breakers/{name}": .admin,
        "GET /api/admin/backups": .admin, "POST /api/admin/backups": .admin, "GET /api/admin/backups/{id}/download": .admin,
        "DELETE /api/admin/backups/{id}": .admin, "GET /api/admin/health": .admin,
        "GET /api/admin/settings": .admin, "PATCH /api/admin/settings": .admin, "GET /api/admin/settings/history": .admin,
        "POST /api/admin/settings/history/{id}/revert": .admin, "POST /api/admin/users/{id}/password-reset": .admin,
        "GET /api/admin/runs": .admin, "GET /api/admin/runs/{id}/events": .admin, "POST /api/admin/runs/{id}/cancel": .admin,
        "POST /api/auth/password-reset": .open,
        "GET /api/auth/oauth/{provider}/start": .open, "GET /api/auth/oauth/{provider}/callback": .open, "POST /api/auth/oauth/exchange": .open,
        "GET /api/admin/auth-providers": .admin, "GET /api/admin/auth-providers/{id}": .admin, "PUT /api/admin/auth-providers/{id}": .admin,
        "DELETE /api/admin/auth-providers/{id}": .admin,
        "GET /api/admin/users/{id}/keys": .admin, "DELETE /api/admin/users/{id}/keys/{key}": .admin,
        "GET /api/admin/users/{id}/sessions": .admin, "DELETE /api/admin/users/{id}/sessions/{session}": .admin,
        "POST /api/keys": .signedIn, "GET /api/keys": .signedIn, "DELETE /api/keys/{id}": .owned,
        "GET /": .assets, "GET /admin": .assets, "GET /admin/**": .assets, "GET /**": .assets,
    ]

    /// Bodies that pass validation, so ownership (not the body) decides the answer.
    nonisolated(unsafe) static let validBody: [String: [String: Any]] = [
        "PATCH /api/threads/{id}": ["title": "renamed"], "POST /api/threads/{id}/runs": ["input": "hello again"],
    ]

    /// Requests that end the caller's own session run last for each caller.
    static let endsTheSession: Set<String> = ["POST /api/auth/logout", "POST /api/auth/logout-all", "DELETE /api/auth/sessions/{id}", "POST /api/auth/password"]

    struct Route: Sendable { let method: HTTPRequest.Method; let path: String; var key: String { "\(method) \(path)" } }

    static func routes(_ env: ServerEnvironment) -> [Route] {
        CairnApplication.makeRouter(env).routes.map { Route(method: $0.method, path: "\($0.path)") }
    }

    /// The resources the owner (A) has, substituted into path parameters.
    struct Fixture: Sendable {
        let thread: String, run: String, session: String, targetUser: String, key: String
        func uri(_ route: Route) -> String {
            var path = route.path
            if path.hasPrefix("/api/threads/") { path = path.replacingOccurrences(of: "{id}", with: thread) }
            if path.hasPrefix("/api/runs/") { path = path.replacingOccurrences(of: "{id}", with: run) }
            if path.hasPrefix("/api/auth/sessions/") { path = path.replacingOccurrences(of: "{id}", with: session) }
            if path.hasPrefix("/api/admin/users/") {
                path = path.replacingOccurrences(of: "{id}", with: targetUser).replacingOccurrences(of: "{key}", with: "key_01JDZ0000000000000000000000")
                    .replacingOccurrences(of: "{session}", with: "ses_01jdz0000000000000000000000")
            }
            if path.hasPrefix("/api/admin/breakers/") { path = path.replacingOccurrences(of: "{name}", with: "provider:offline") }
            if path.hasPrefix("/api/admin/providers/") { path = path.replacingOccurrences(of: "{name}", with: "offline") }
            if path.hasPrefix("/api/admin/agents/") { path = path.replacingOccurrences(of: "{name}", with: "matrix") }
            if path.hasPrefix("/api/admin/auth-providers/") { path = path.replacingOccurrences(of: "{id}", with: "matrix") }
            if path.hasPrefix("/api/auth/oauth/") { path = path.replacingOccurrences(of: "{provider}", with: "matrix") }
            if path.hasPrefix("/api/keys/") { path = path.replacingOccurrences(of: "{id}", with: key) }
            if path.hasPrefix("/api/admin/runs/") { path = path.replacingOccurrences(of: "{id}", with: run) }
            if path.hasPrefix("/api/admin/settings/history/") { path = path.replacingOccurrences(of: "{id}", with: "chg_01jdz0000000000000000000000") }
            if path.hasPrefix("/api/admin/backups/") { path = path.replacingOccurrences(of: "{id}", with: "bak_01jdz0000000000000000000000") }
            return path.replacingOccurrences(of: "/**", with: "/index.html")
        }
    }

    func signIn(_ client: any TestClientProtocol, _ email: String) async throws -> (access: String, refresh: String, id: String) {
        let body = try await client.call(.post, "/api/auth/login", json: ["email": email, "password": "correct horse battery"]).json()
        return (try #require(body["access_token"] as? String), try #require(body["refresh_token"] as? String),
                try #require((body["user"] as? [String: Any])?["id"] as? String))
    }

    @Test func everyRouteAnswersEachKindOfCallerAsDocumented() async throws {
        let settings = ["agents.offline_chunk_delay_ms": "0", "auth.leeway_seconds": "0", "ratelimit.login_per_ip_per_minute": "1000",
                        "ratelimit.register_per_ip_per_minute": "1000"]
        try await TestServer(settings).run { client, env in
            let routes = Self.routes(env)
            let missing = routes.filter { Self.access[$0.key] == nil }.map(\.key)
            #expect(missing.isEmpty, "routes without a row in the authorization matrix: \(missing)")
            #expect(Set(Self.access.keys).subtracting(routes.map(\.key)).isEmpty, "rows for routes that no longer exist")

            _ = try await env.auth.createAdmin(email: "admin@example.com", password: "correct horse battery", name: nil, origin: .commandLine, actor: "test")
            let admin = try await signIn(client, "admin@example.com")
            let owner = try await client.registerUser("a@example.com")
            let stranger = try await client.registerUser("b@example.com")
            let target = try await client.registerUser("c@example.com")
            let (thread, run, _) = try await client.startRun(owner.access, input: "hello")
            _ = try await client.waitForRun(owner.access, run)
            let session = try #require(try await env.auth.authenticate(bearer: owner.access).sessionID?.rawValue)
            let ownersKey = try await client.call(.post, "/api/keys", json: ["name": "matrix"], token: owner.access).json()
            let fixture = Fixture(thread: thread, run: run, session: session, targetUser: target.userID, key: try #require(ownersKey["id"] as? String))
            // A revoked key is refused like a revoked token.
            let revokedKeyBody = try await client.call(.post, "/api/keys", json: ["name": "gone"], token: owner.access).json()
            let revokedKey = try #require(revokedKeyBody["key"] as? String)
            #expect(try await client.call(.delete, "/api/keys/\(try #require(revokedKeyBody["id"] as? String))", token: owner.access).status == .noContent)

            let revoked = try await client.registerUser("revoked@example.com")
            #expect(try await client.call(.post, "/api/auth/logout", token: revoked.access).status == .noContent)
            let disabled = try await client.registerUser("disabled@example.com")
            #expect(try await client.call(.patch, "/api/admin/users/\(disabled.userID)", json: ["disabled": true], token: admin.access).status == .ok)
            let principal = try await env.auth.authenticate(bearer: owner.access)
            let expired = try await env.auth.tokens.issue(.access, userID: principal.userID, sessionID: try #require(principal.sessionID),
                                                          role: .user, lifetime: 1).token
            try await Task.sleep(for: .milliseconds(2_100))

            // Callers whose credential is not (or no longer) good: 401 on everything but open routes.
            let refused: [(String, String?)] = [("anonymous", nil), ("revoked token", revoked.access), ("disabled user", disabled.access),
                                                ("expired token", expired), ("refresh token as access", owner.refresh), ("garbage", "not.a.jwt"),
                                                ("revoked API key", revokedKey)]
            var problems: [String] = []
            for (who, token) in refused {
                for route in routes where ![.open, .assets].contains(Self.access[route.key]) {
                    let status = try await client.call(route.method, fixture.uri(route), json: [:], token: token).status
                    if status != .unauthorized { problems.append("\(who) \(route.key) → \(status.code), expected 401") }
                }
            }
            // An administrator's API key is never an administrator.
            let adminKey = try #require(try await client.call(.post, "/api/keys", json: ["name": "admin key"], token: admin.access).json()["key"] as? String)
            for route in routes where [.admin, .metrics].contains(Self.access[route.key]) {
                let status = try await client.call(route.method, fixture.uri(route), json: [:], token: adminKey).status
                if status != .forbidden { problems.append("admin's API key \(route.key) → \(status.code), expected 403") }
            }
            // Signed-in callers. Archiving the thread comes last but for the calls that end the
            // caller's session, and each of those gets a session of its own.
            let late = ["DELETE /api/threads/{id}": 1, "DELETE /api/auth/sessions/{id}": 2, "POST /api/auth/password": 3,
                        "POST /api/auth/logout": 3, "POST /api/auth/logout-all": 4]
            func rank(_ route: Route) -> Int { late[route.key] ?? 0 }
            let ordered = routes.sorted { rank($0) < rank($1) }
            for (who, email, token) in [("user B", "b@example.com", stranger.access), ("admin", "admin@example.com", admin.access),
                                        ("owner A", "a@example.com", owner.access)] {
                for route in ordered {
                    let token = Self.endsTheSession.contains(route.key) ? try await signIn(client, email).access : token
                    let status = try await client.call(route.method, fixture.uri(route), json: Self.validBody[route.key] ?? [:], token: token).status.code
                    let kind = Self.access[route.key] ?? .open
                    let expected: String? = switch (kind, who) {
                    case (.admin, "admin"), (.metrics, "admin"): [401, 403].contains(status) ? "not 401/403" : nil
                    case (.admin, _), (.metrics, _): status == 403 ? nil : "403"
                    case (.owned, "owner A"): [401, 403, 404].contains(status) ? "the owner's answer" : nil
                    case (.owned, _): status == 404 ? nil : "404 (another user's resource)"
                    case (.signedIn, _): [401, 403].contains(status) ? "not 401/403" : nil
                    default: nil
                    }
                    if status >= 500 { problems.append("\(who) \(route.key) → \(status)") }
                    if let expected { problems.append("\(who) \(route.key) → \(status), expected \(expected)") }
                }
            }
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    /// `/api/openapi.json` describes every route the router knows (static pages aside).
    @Test func theOpenAPIDescriptionCoversEveryRoute() async throws {
        try await TestServer().run { client, env in
            let response = try await client.call(.get, "/api/openapi.json")
            #expect(response.status == .ok)
            let spec = try response.json()
            #expect((spec["openapi"] as? String)?.hasPrefix("3.1") == true)
            let paths = try #require(spec["paths"] as? [String: [String: Any]])
            var undescribed: [String] = []
            for route in Self.routes(env) where Self.access[route.key] != .assets {
                // The router writes parameters as OpenAPI does (`{id}`).
                if paths[route.path]?[route.method.rawValue.lowercased()] == nil { undescribed.append(route.key) }
            }
            #expect(undescribed.isEmpty, "routes missing from Public/openapi.json: \(undescribed)")
        }
    }
}
