import CairnAuth
import CairnCore
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PropertyBased
import Testing

/// Fuzzing every JSON body the server reads, against the live server. Heavy on the CPU, so
/// `make test-integration` runs it on its own, after the timing-sensitive suites.
@Suite("Hostile bodies on every route")
struct HostileBodyFuzzTests {
    /// Hostile bodies to every route that reads one, as the owner and as an admin: each gets a
    /// documented status, never a 5xx, and the server stays up.
    @Test func hostileBodiesGetDocumentedAnswersOnEveryRoute() async throws {
        let documented: Set<Int> = [200, 201, 202, 204, 400, 401, 403, 404, 409, 413, 422, 429]
        let settings = ["agents.offline_chunk_delay_ms": "0", "ratelimit.login_per_ip_per_minute": "100000",
                        "ratelimit.register_per_ip_per_minute": "100000", "ratelimit.threads_per_user_per_minute": "100000"]
        try await TestServer(settings).run { client, env in
            _ = try await env.auth.createAdmin(email: "admin@example.com", password: "correct horse battery", name: nil, origin: .commandLine, actor: "test")
            let admin = try await RouteMatrixTests().signIn(client, "admin@example.com")
            let owner = try await client.registerUser("fuzz@example.com")
            let target = try await client.registerUser("target@example.com")
            let (thread, run, _) = try await client.startRun(owner.access, input: "hello")
            _ = try await client.waitForRun(owner.access, run)
            let fixture = RouteMatrixTests.Fixture(thread: thread, run: run, session: "ses_none", targetUser: target.userID, key: "key_01JDZ0000000000000000000000")
            let routes = RouteMatrixTests.routes(env).filter { [.post, .put, .patch].contains($0.method) && !RouteMatrixTests.endsTheSession.contains($0.key) }
            let keys = ["email", "password", "name", "refresh_token", "title", "agent", "input", "type", "base_url", "api_key", "model",
                        "timeout_ms", "max_retries", "options", "description", "kind", "provider", "tools", "max_steps", "temperature",
                        "steps", "role", "status", "disabled", "action", "setup_token", "current_password", "new_password"]
            let failures = Shared<[String]>([])
            let cases = Shared(0)
            await propertyCheck(count: 60, input: Gen.uint64(in: 0...UInt64.max)) { seed in
                var fuzz = HostileJSON(seed: seed)
                for route in routes {
                    let body = fuzz.document(fuzz.object(keys: keys, typeValues: ["openai", "anthropic", "offline", "chat", "pipeline"]))
                    var fields = HTTPFields()
                    fields[.contentType] = "application/json"
                    fields[.authorization] = "Bearer \(route.path.hasPrefix("/api/admin") ? admin.access : owner.access)"
                    let status = (try? await client.execute(uri: fixture.uri(route), method: route.method, headers: fields,
                                                            body: ByteBuffer(string: body)).status.code) ?? 0
                    cases.value += 1
                    if !documented.contains(status) { failures.value.append("\(route.key) seed \(seed) → \(status): \(body.prefix(200))") }
                }
            }
            #expect(failures.value.isEmpty, "\(failures.value.prefix(20).joined(separator: "\n"))")
            #expect(cases.value >= 60 * routes.count)
            #expect(try await client.call(.get, "/healthz").status == .ok)
            #expect(try await client.call(.get, "/api/auth/me", token: owner.access).status == .ok)
        }
    }

    /// Hostile query strings on every GET route: boundary numbers, made-up cursors (encoded as
    /// the server encodes its own, with boundary times inside), long and odd strings.
    @Test func hostileQueryStringsGetDocumentedAnswersOnEveryRoute() async throws {
        let documented: Set<Int> = [200, 301, 304, 400, 401, 403, 404, 422, 429]   // 301: /admin → /admin/
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, env in
            _ = try await env.auth.createAdmin(email: "admin@example.com", password: "correct horse battery", name: nil, origin: .commandLine, actor: "test")
            let admin = try await RouteMatrixTests().signIn(client, "admin@example.com")
            let owner = try await client.registerUser("query@example.com")
            let (thread, run, _) = try await client.startRun(owner.access, input: "hello")
            _ = try await client.waitForRun(owner.access, run)
            let fixture = RouteMatrixTests.Fixture(thread: thread, run: run, session: "ses_none", targetUser: owner.userID, key: "key_01JDZ0000000000000000000000")
            let routes = RouteMatrixTests.routes(env).filter { $0.method == .get && !$0.path.hasSuffix("/stream") }
            let names = ["cursor", "limit", "after", "q", "since", "until", "group", "actor", "action", "target"]
            func encoded(_ text: String) -> String {
                text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            }
            let failures = Shared<[String]>([])
            await propertyCheck(count: 40, input: Gen.uint64(in: 0...UInt64.max)) { seed in
                var fuzz = HostileJSON(seed: seed)
                for route in routes {
                    var pairs: [String] = []
                    for name in names where fuzz.chance(name == "cursor" ? 70 : 40) {
                        let value: String = switch name == "cursor" && fuzz.chance(70) ? 1 : fuzz.below(4) {
                        case 0: fuzz.pick(HostileJSON.boundaryNumbers)
                        // A cursor as the server makes them (base64url of "millis|id"), with an impossible time inside.
                        case 1: Data("\(fuzz.pick(["9223372036854775807", "-9223372036854775808", "253402300800000", "0", "-1", "1e19"]))|\(ThreadID.generate().rawValue)".utf8).base64EncodedString()
                            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                        case 2: String(fuzz.string().prefix(1_000))   // URLs stay within what clients send (request lines are capped)
                        default: fuzz.pick(["", "2026-12-01T20:17:38.069Z", "9999-99-99", "-1", "%00", "run_", "user", "provider"])
                        }
                        pairs.append("\(name)=\(encoded(value))")
                    }
                    let uri = fixture.uri(route) + (pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&"))
                    let token = route.path.hasPrefix("/api/admin") || route.path == "/metrics" ? admin.access : owner.access
                    let status = (try? await client.call(.get, uri, token: token).status.code) ?? 0
                    if !documented.contains(status) { failures.value.append("GET \(uri.prefix(300)) → \(status)") }
                }
            }
            #expect(failures.value.isEmpty, "\(failures.value.prefix(20).joined(separator: "\n"))")
            #expect(try await client.call(.get, "/healthz").status == .ok)
        }
    }
}
