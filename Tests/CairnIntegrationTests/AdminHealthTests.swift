import CairnAgents
import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `GET /api/admin/health` over a live server: every figure with its status, the backup age
/// that warns, and the breaker summary.
@Suite("Admin health")
struct AdminHealthTests {
    @Test func healthShowsEachFigureAndWarnsAboutMissingBackupsAndOpenBreakers() async throws {
        try await TestServer().run { client, env in
            _ = try await env.auth.createAdmin(email: "admin@example.com", password: "correct horse battery", name: nil, origin: .commandLine, actor: "test")
            let login = try await client.call(.post, "/api/auth/login", json: ["email": "admin@example.com", "password": "correct horse battery"]).json()
            let token = try #require(login["access_token"] as? String)
            func health() async throws -> [String: Any] { try await client.call(.get, "/api/admin/health", token: token).json() }
            var body = try await health()
            var figures = try #require(body["figures"] as? [String: [String: Any]])
            for name in ["version", "uptime_seconds", "database_bytes", "wal_bytes", "disk_free_bytes", "last_backup", "sockets_open",
                         "runs_active", "runs_queued", "breakers", "signing_key_age_seconds"] {
                #expect(["ok", "warn", "fail"].contains(figures[name]?["status"] as? String ?? ""), "\(name)")
            }
            #expect((figures["database_bytes"]?["value"] as? Int ?? 0) > 0)
            #expect(figures["last_backup"]?["status"] as? String == "warn", "scheduled backups are on and none exists yet")
            #expect(body["status"] as? String == "warn")
            _ = try await env.backups.create(trigger: .manual, by: "test", origin: .commandLine)
            // A run makes the offline provider's breaker.
            let user = try await client.registerUser("user@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "hello")
            _ = try await client.waitForRun(user.access, run)
            figures = try #require(try await health()["figures"] as? [String: [String: Any]])
            #expect(figures["last_backup"]?["status"] as? String == "ok")
            #expect(((figures["last_backup"]?["value"] as? [String: Any])?["age_seconds"] as? Int ?? -1) >= 0)
            // A breaker forced open is a warning.
            let breaker = try #require(env.services.breakers.all.first)
            #expect(try await client.call(.post, "/api/admin/breakers/\(breaker.name)", json: ["action": "force_open"], token: token).status == .ok)
            body = try await health()
            figures = try #require(body["figures"] as? [String: [String: Any]])
            #expect(figures["breakers"]?["status"] as? String == "warn")
            #expect((figures["breakers"]?["value"] as? [String: Any])?["FORCED_OPEN"] as? Int == 1)
            #expect(body["status"] as? String == "warn")
            // Users are refused.
            #expect(try await client.call(.get, "/api/admin/health", token: user.access).status == .forbidden)
        }
    }
}
