import CairnAgents
import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The console's API over a live server: settings with history and revert, quotas, every
/// user's runs, usage, the audit CSV and password-reset links. Each mutation is checked in the
/// audit log; each route refuses a normal user (403) and an anonymous caller (401).
@Suite("Admin console API")
struct AdminConsoleTests {
    static let password = "correct horse battery"

    func admin(_ client: any TestClientProtocol, _ env: ServerEnvironment, _ email: String = "admin@example.com") async throws -> (token: String, id: String) {
        let created = try await env.auth.createAdmin(email: email, password: Self.password, name: "Ada Admin", origin: .commandLine, actor: "test")
        let login = try await client.call(.post, "/api/auth/login", json: ["email": email, "password": Self.password]).json()
        return (try #require(login["access_token"] as? String), created.id.rawValue)
    }

    func audit(_ client: any TestClientProtocol, _ token: String, action: String) async throws -> [[String: Any]] {
        try await client.call(.get, "/api/admin/audit?action=\(action)", token: token).json()["items"] as? [[String: Any]] ?? []
    }

    func setting(_ items: [[String: Any]], _ key: String) -> [String: Any]? { items.first { $0["key"] as? String == key } }

    @Test func settingsListSourcesAndRefuseAnythingInvalidWithoutStoringIt() async throws {
        try await TestServer(["ratelimit.login_per_ip_per_minute": "500"]).run { client, env in
            let (token, _) = try await admin(client, env)
            let items = try #require(try await client.call(.get, "/api/admin/settings", token: token).json()["items"] as? [[String: Any]])
            #expect(items.count == SettingsCatalog.all.count)
            let port = try #require(setting(items, "server.port"))
            #expect(port["editable"] as? Bool == false && port["restart_required"] as? Bool == true && port["type"] as? String == "integer")
            #expect(port["min"] as? Int == 0 && port["max"] as? Int == 65535)
            let registration = try #require(setting(items, "auth.registration"))
            #expect(registration["source"] as? String == "default" && registration["editable"] as? Bool == true)
            #expect(registration["options"] as? [String] == ["open", "approval", "closed"])
            // The test server sets this one as a flag: its source says so.
            #expect(setting(items, "ratelimit.login_per_ip_per_minute")?["source"] as? String == "flag")

            // One bad key refuses the whole change, naming each bad key.
            let bad = try await client.call(.patch, "/api/admin/settings", json: [
                "auth.registration": "closed", "server.port": 9000, "runs.max_per_user": 5000, "no.such": 1,
                "tools.http_get.enabled": "maybe", "ws.messages_per_minute": 1e300,
            ], token: token)
            #expect(bad.status == .unprocessableContent)
            let details = try #require((try bad.json()["error"] as? [String: Any])?["details"] as? [String: String])
            #expect(details["server.port"]?.contains("not editable at runtime") == true)
            #expect(details["runs.max_per_user"] == "must be an integer between 1 and 1000")
            #expect(details["no.such"] == "unknown setting")
            #expect(details["tools.http_get.enabled"] == "must be true or false")
            #expect(details["ws.messages_per_minute"] != nil)
            #expect(details["auth.registration"] == nil)
            #expect(env.settings.snapshot[.authRegistration] == "open", "nothing applied")
            #expect((try await client.call(.get, "/api/admin/settings/history", token: token).json()["items"] as? [[String: Any]])?.isEmpty == true)
            for body: [String: Any] in [[:], ["auth.registration": ["closed"]]] {
                #expect(try await client.call(.patch, "/api/admin/settings", json: body, token: token).status == .unprocessableContent)
            }

            // Normal users and anonymous callers are refused.
            let user = try await client.registerUser("plain@example.com")
            for (method, path) in [(HTTPRequest.Method.get, "/api/admin/settings"), (.patch, "/api/admin/settings"), (.get, "/api/admin/settings/history")] {
                #expect(try await client.call(method, path, json: method == .patch ? ["auth.registration": "closed"] : nil, token: user.access).status == .forbidden)
                #expect(try await client.call(method, path, json: method == .patch ? ["auth.registration": "closed"] : nil).status == .unauthorized)
            }
            #expect(env.settings.snapshot[.authRegistration] == "open")
        }
    }

    @Test func closingRegistrationTakesEffectAtOnceIsInHistoryAndAuditAndRevertRestoresIt() async throws {
        try await TestServer().run { client, env in
            let (token, adminID) = try await admin(client, env)
            let patched = try await client.call(.patch, "/api/admin/settings", json: ["auth.registration": "closed", "runs.max_per_user": 3], token: token)
            #expect(patched.status == .ok)
            let changed = try #require(try patched.json()["items"] as? [[String: Any]])
            #expect(Set(changed.compactMap { $0["key"] as? String }) == ["auth.registration", "runs.max_per_user"])
            #expect(setting(changed, "auth.registration")?["source"] as? String == "runtime")
            let refused = try await client.call(.post, "/api/auth/register", json: ["email": "late@example.com", "password": Self.password])
            #expect(refused.status == .forbidden)

            let history = try #require(try await client.call(.get, "/api/admin/settings/history?key=auth.registration", token: token).json()["items"] as? [[String: Any]])
            #expect(history.count == 1)
            let change = try #require(history.first)
            #expect(change["actor"] as? String == adminID && change["actor_email"] as? String == "admin@example.com")
            #expect(change["before"] is NSNull && change["after"] as? String == "closed")
            #expect(change["effective_before"] as? String == "open" && change["effective_after"] as? String == "closed")
            let audited = try await audit(client, token, action: "admin.setting_changed")
            #expect(audited.count == 2)
            #expect(audited.contains { $0["target"] as? String == "auth.registration" && ($0["details"] as? [String: String])?["after"] == "closed" })

            // Revert puts the earlier state back (no override: the default again) as a new change.
            let reverted = try await client.call(.post, "/api/admin/settings/history/\(try #require(change["id"] as? String))/revert", token: token)
            #expect(reverted.status == .ok)
            #expect(try reverted.json()["reverted_from"] as? String == change["id"] as? String)
            #expect(try reverted.json()["after"] is NSNull)
            #expect(try await client.call(.post, "/api/auth/register", json: ["email": "late@example.com", "password": Self.password]).status == .created)
            let items = try #require(try await client.call(.get, "/api/admin/settings", token: token).json()["items"] as? [[String: Any]])
            #expect(setting(items, "auth.registration")?["source"] as? String == "default")
            #expect(setting(items, "runs.max_per_user")?["value"] as? String == "3")
            #expect(try await audit(client, token, action: "admin.setting_changed").count == 3)
            // null drops an override; an unknown change id is 404.
            #expect(try await client.call(.patch, "/api/admin/settings", json: ["runs.max_per_user": NSNull()], token: token).status == .ok)
            #expect(env.settings.snapshot[.runsMaxPerUser] == 2)
            #expect(try await client.call(.post, "/api/admin/settings/history/chg_01JDZ0000000000000000000000/revert", token: token).status == .notFound)
            #expect(try await client.call(.post, "/api/admin/settings/history/nonsense/revert", token: token).status == .notFound)
        }
    }

    @Test func runtimeSettingsSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-settings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestServer(directory: directory).run { client, env in
            let (token, _) = try await admin(client, env)
            #expect(try await client.call(.patch, "/api/admin/settings", json: ["auth.registration": "approval"], token: token).status == .ok)
        }
        try await TestServer(directory: directory).run { client, env in
            let registered = try await client.call(.post, "/api/auth/register", json: ["email": "p@example.com", "password": Self.password])
            #expect(env.settings.snapshot[.authRegistration] == "approval")
            #expect(registered.status == .accepted)
        }
    }

    @Test func quotasRefuseTheNextRunWithWhichLimitAndWhenItResets() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, env in
            let (token, _) = try await admin(client, env)
            let user = try await client.registerUser("quota@example.com")
            #expect(try await client.call(.patch, "/api/admin/settings", json: ["quotas.runs_per_day": 1], token: token).status == .ok)
            let (thread, first, status) = try await client.startRun(user.access, input: "What is 2 + 2?")
            #expect(status == .accepted)
            _ = try await client.waitForRun(user.access, first)
            let refused = try await client.call(.post, "/api/threads/\(thread)/runs", json: ["input": "again"], token: user.access)
            #expect(refused.status == .tooManyRequests)
            let error = try #require(try refused.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "quota_exceeded")
            let details = try #require(error["details"] as? [String: String])
            #expect(details["limit"] == "runs_per_day" && details["value"] == "1" && details["used"] == "1")
            let resets = try #require(details["resets_at"].flatMap(Timestamp.parse))
            #expect(resets > Date() && resets <= Date().addingTimeInterval(86_400))
            #expect(refused.headers[.retryAfter] != nil)
            // Nothing half-created: the thread still holds only the first exchange.
            let messages = try await client.call(.get, "/api/threads/\(thread)/messages", token: user.access).json()["items"] as? [[String: Any]] ?? []
            #expect(messages.count == 2)
            // The user sees usage and limits.
            let me = try await client.call(.get, "/api/auth/me", token: user.access).json()
            #expect((me["usage"] as? [String: Any])?["runs_today"] as? Int == 1)
            #expect((me["quota"] as? [String: Any])?["runs_per_day"] as? Int == 1)

            // A per-user override lifts it; invalid overrides name the field.
            let bad = try await client.call(.patch, "/api/admin/users/\(user.userID)", json: ["quota": ["runs_per_day": -1]], token: token)
            #expect(bad.status == .unprocessableContent)
            #expect(((try bad.json()["error"] as? [String: Any])?["details"] as? [String: String])?["quota.runs_per_day"] != nil)
            let huge = try await client.call(.patch, "/api/admin/users/\(user.userID)", json: ["quota": ["runs_per_day": 1e300]], token: token)
            #expect(huge.status == .unprocessableContent)
            let patched = try await client.call(.patch, "/api/admin/users/\(user.userID)", json: ["quota": ["runs_per_day": 5]], token: token)
            #expect(patched.status == .ok)
            #expect((try patched.json()["quota"] as? [String: Any])?["runs_per_day"] as? Int == 5)
            #expect(try await client.startRun(user.access, input: "third", thread: thread).status == .accepted)
            let listed = try await client.call(.get, "/api/admin/users?q=quota", token: token).json()["items"] as? [[String: Any]] ?? []
            #expect((listed.first?["usage"] as? [String: Any])?["runs_today"] as? Int == 2)
            #expect(try await audit(client, token, action: "admin.user_quota_changed").count == 1)
            // Removing the override brings the default back.
            #expect(try await client.call(.patch, "/api/admin/users/\(user.userID)", json: ["quota": NSNull()], token: token).status == .ok)
            #expect(try await client.startRun(user.access, input: "fourth", thread: thread).status == .tooManyRequests)
        }
    }

    @Test func aTokenQuotaCountsRecordedUsage() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, env in
            let (token, _) = try await admin(client, env)
            let user = try await client.registerUser("tokens@example.com")
            let (thread, run, _) = try await client.startRun(user.access, input: "Tell me something about the sea")
            _ = try await client.waitForRun(user.access, run)
            let used = try await env.services.quotas.usage(of: [try #require(UserID(user.userID))], now: Date()).values.first?.tokensToday ?? 0
            #expect(used > 0)
            #expect(try await client.call(.patch, "/api/admin/users/\(user.userID)", json: ["quota": ["tokens_per_month": used]], token: token).status == .ok)
            let refused = try await client.call(.post, "/api/threads/\(thread)/runs", json: ["input": "more"], token: user.access)
            #expect(refused.status == .tooManyRequests)
            #expect(((try refused.json()["error"] as? [String: Any])?["details"] as? [String: String])?["limit"] == "tokens_per_month")
        }
    }

    @Test func adminsSeeFilterAndCancelEveryUsersRuns() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "200"]).run { client, env in
            let (token, _) = try await admin(client, env)
            let alice = try await client.registerUser("alice@example.com")
            let bob = try await client.registerUser("bob@example.com")
            let (_, slow, _) = try await client.startRun(alice.access, input: String(repeating: "slow words ", count: 40))
            let (_, other, _) = try await client.startRun(bob.access, input: "hi")
            let all = try #require(try await client.call(.get, "/api/admin/runs", token: token).json()["items"] as? [[String: Any]])
            #expect(Set(all.compactMap { $0["id"] as? String }).isSuperset(of: [slow, other]))
            let alices = try #require(try await client.call(.get, "/api/admin/runs?user=alice@example.com", token: token).json()["items"] as? [[String: Any]])
            #expect(alices.map { $0["id"] as? String } == [slow])
            #expect(alices.first?["user_email"] as? String == "alice@example.com")
            #expect((try await client.call(.get, "/api/admin/runs?user=nobody@example.com", token: token).json()["items"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await client.call(.get, "/api/admin/runs?status=bogus", token: token).status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/admin/runs?since=yesterday", token: token).status == .unprocessableContent)

            #expect(try await client.call(.post, "/api/admin/runs/\(slow)/cancel", token: alice.access).status == .forbidden)
            #expect(try await client.call(.post, "/api/admin/runs/\(slow)/cancel", token: token).status == .accepted)
            #expect(try await client.waitForRun(alice.access, slow)["status"] as? String == "cancelled")
            #expect(try await client.call(.post, "/api/admin/runs/\(slow)/cancel", token: token).status == .conflict)
            let events = try #require(try await client.call(.get, "/api/admin/runs/\(slow)/events", token: token).json()["items"] as? [[String: Any]])
            #expect(events.last?["type"] as? String == "run_completed")
            let cancelled = try #require(try await client.call(.get, "/api/admin/runs?status=cancelled", token: token).json()["items"] as? [[String: Any]])
            #expect(cancelled.map { $0["id"] as? String } == [slow])
            #expect(try await audit(client, token, action: "admin.run_cancelled").first?["target"] as? String == slow)
            #expect(try await client.call(.get, "/api/admin/runs/run_01JDZ0000000000000000000000/events", token: token).status == .notFound)
            #expect(try await client.call(.get, "/api/admin/runs", token: bob.access).status == .forbidden)
            #expect(try await client.call(.get, "/api/admin/runs").status == .unauthorized)
        }
    }

    @Test func usageGroupsByUserAgentProviderAndDayWithACostWhenPricesAreSet() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, env in
            let (token, _) = try await admin(client, env)
            let user = try await client.registerUser("usage@example.com")
            for input in ["one question", "What is 6 * 7?"] {
                let (_, run, _) = try await client.startRun(user.access, input: input)
                _ = try await client.waitForRun(user.access, run)
            }
            func usage(_ group: String) async throws -> [[String: Any]] {
                let response = try await client.call(.get, "/api/admin/usage?group=\(group)", token: token)
                return try #require(try response.json()["items"] as? [[String: Any]], "\(response.text)")
            }
            let byUser = try await usage("user")
            let row = try #require(byUser.first { $0["user_id"] as? String == user.userID })
            #expect(row["label"] as? String == "usage@example.com" && row["runs"] as? Int == 2)
            #expect((row["input_tokens"] as? Int ?? 0) > 0 && row["cost"] is NSNull)
            #expect(try await usage("agent").first?["agent"] as? String == "assistant")
            let today = String(Timestamp.format(Date()).prefix(10))
            #expect(try await usage("day").first?["day"] as? String == today)
            // A price on the provider gives a cost.
            let provider = try await client.call(.put, "/api/admin/providers/offline",
                                                 json: ["type": "offline", "options": ["chunk_delay_ms": 0, "price_per_1k_input": 1.5, "price_per_1k_output": 3]], token: token)
            #expect(provider.status == .ok || provider.status == .created)
            let priced = try #require(try await usage("provider").first)
            let expected = Double(priced["input_tokens"] as? Int ?? 0) / 1000 * 1.5 + Double(priced["output_tokens"] as? Int ?? 0) / 1000 * 3
            #expect(abs((priced["cost"] as? Double ?? -1) - expected) < 0.00001)
            #expect(try await client.call(.put, "/api/admin/providers/offline", json: ["type": "offline", "options": ["price_per_1k_input": "free"]],
                                          token: token).status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/admin/usage?group=week", token: token).status == .unprocessableContent)
        }
    }

    @Test func theAuditLogFiltersByEmailAndExportsCSV() async throws {
        try await TestServer().run { client, env in
            let (token, adminID) = try await admin(client, env)
            #expect(try await client.call(.patch, "/api/admin/settings", json: ["backups.keep": 9], token: token).status == .ok)
            let byEmail = try #require(try await client.call(.get, "/api/admin/audit?actor=admin@example.com", token: token).json()["items"] as? [[String: Any]])
            #expect(!byEmail.isEmpty && byEmail.allSatisfy { $0["actor"] as? String == adminID && $0["actor_email"] as? String == "admin@example.com" })
            #expect((try await client.call(.get, "/api/admin/audit?actor=ghost@example.com", token: token).json()["items"] as? [[String: Any]])?.isEmpty == true)
            // A registration with a formula for a name must not run in a spreadsheet.
            _ = try await client.call(.post, "/api/auth/login", json: ["email": "=cmd|' /C calc'!A0@example.com", "password": "x"])
            let csv = try await client.call(.get, "/api/admin/audit?format=csv", token: token)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.headers[.contentDisposition]?.contains("cairn-audit.csv") == true)
            let lines = csv.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first == "id,at,actor,actor_email,action,target,ip,details")
            #expect(lines.contains { $0.contains("admin.setting_changed") && $0.contains("backups.keep") && $0.contains("admin@example.com") })
            #expect(!lines.contains { $0.split(separator: ",").contains { $0.hasPrefix("=") } })
            #expect(try await client.call(.get, "/api/admin/audit?format=xml", token: token).status == .unprocessableContent)
        }
    }

    @Test func aPasswordResetLinkLetsTheUserChooseAPasswordOnceAndEndsTheirSessions() async throws {
        try await TestServer().run { client, env in
            let (token, _) = try await admin(client, env)
            let user = try await client.registerUser("forgetful@example.com")
            #expect(try await client.call(.post, "/api/admin/users/\(user.userID)/password-reset", token: user.access).status == .forbidden)
            let issued = try await client.call(.post, "/api/admin/users/\(user.userID)/password-reset", token: token)
            #expect(issued.status == .created)
            let url = try #require(try issued.json()["reset_url"] as? String)
            #expect(url.hasPrefix("/#reset=") && !url.contains(Self.password))
            let resetToken = String(url.dropFirst("/#reset=".count))
            let weak = try await client.call(.post, "/api/auth/password-reset", json: ["token": resetToken, "new_password": "short"])
            #expect(weak.status == .unprocessableContent, "a weak password does not spend the link")
            #expect(try await client.call(.post, "/api/auth/password-reset", json: ["token": resetToken, "new_password": "a brand new passphrase"]).status == .noContent)
            #expect(try await client.call(.post, "/api/auth/password-reset", json: ["token": resetToken, "new_password": "another new passphrase"]).status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/auth/me", token: user.access).status == .unauthorized, "sessions ended")
            #expect(try await client.call(.post, "/api/auth/login", json: ["email": "forgetful@example.com", "password": Self.password]).status == .unauthorized)
            #expect(try await client.call(.post, "/api/auth/login", json: ["email": "forgetful@example.com", "password": "a brand new passphrase"]).status == .ok)
            #expect(try await audit(client, token, action: "admin.password_reset_issued").count == 1)
            #expect(try await audit(client, token, action: "auth.password_reset").count == 1)
        }
    }

    @Test func usersFilterByStatusAndApprovalActivatesAPendingAccount() async throws {
        try await TestServer(["auth.registration": "approval"]).run { client, env in
            let (token, _) = try await admin(client, env)
            #expect(try await client.call(.post, "/api/auth/register", json: ["email": "wait@example.com", "password": Self.password]).status == .accepted)
            let pending = try #require(try await client.call(.get, "/api/admin/users?status=pending", token: token).json()["items"] as? [[String: Any]])
            #expect(pending.map { $0["email"] as? String } == ["wait@example.com"])
            #expect(try await client.call(.get, "/api/admin/users?status=gone", token: token).status == .unprocessableContent)
            let id = try #require(pending.first?["id"] as? String)
            #expect(try await client.call(.patch, "/api/admin/users/\(id)", json: ["status": "active"], token: token).status == .ok)
            #expect(try await client.call(.post, "/api/auth/login", json: ["email": "wait@example.com", "password": Self.password]).status == .ok)
            #expect((try await client.call(.get, "/api/admin/users?status=pending", token: token).json()["items"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test func metricsCountRequestsRunsAndTokensAndABreakerResetNeverLowersACounter() async throws {
        try await TestServer(["agents.offline_chunk_delay_ms": "0"]).run { client, env in
            let (token, _) = try await admin(client, env)
            let user = try await client.registerUser("metrics@example.com")
            let (_, run, _) = try await client.startRun(user.access, input: "What is 6 * 7?")
            _ = try await client.waitForRun(user.access, run)
            _ = try await client.call(.get, "/api/threads", token: user.access)
            func scrape() async throws -> String { try await client.call(.get, "/metrics", token: token).text }
            func value(_ text: String, _ prefix: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            }
            var text = try await scrape()
            #expect(value(text, #"cairn_http_requests_total{method="GET",route="/api/threads",status="200"}"#) == 1)
            #expect(text.contains(#"cairn_http_request_duration_seconds_bucket{method="GET",route="/api/threads",le="#))
            #expect(value(text, #"cairn_runs_total{status="succeeded"}"#) == 1)
            #expect(text.contains(#"cairn_run_duration_seconds_count{agent="assistant",status="succeeded"} 1"#))
            #expect((value(text, #"cairn_provider_tokens_total{provider="offline",direction="output"}"#) ?? 0) > 0)
            #expect((value(text, #"cairn_provider_call_duration_seconds_count{provider="offline",outcome="success"}"#) ?? 0) >= 1)
            #expect((value(text, "cairn_database_bytes ") ?? 0) > 0)
            #expect((value(text, "cairn_process_resident_memory_bytes ") ?? 0) > 1_000_000)
            #expect((value(text, "cairn_process_open_fds ") ?? 0) > 3)
            let successful = #"cairn_breaker_calls_total{breaker="provider:offline",kind="successful"}"#
            let before = try #require(value(text, successful))
            #expect(before >= 1)
            // A reset clears the breaker's window and its console totals, never a Prometheus counter.
            #expect(try await client.call(.post, "/api/admin/breakers/provider:offline", json: ["action": "reset"], token: token).status == .ok)
            text = try await scrape()
            #expect(value(text, successful) == before)
            // Unknown paths share one series instead of one per path.
            _ = try await client.call(.get, "/api/nothing/here-\(UUID().uuidString)", token: token)
            text = try await scrape()
            #expect(text.contains(#"status="404"} 1"#))
            #expect(!text.contains("here-"))
        }
    }
}
