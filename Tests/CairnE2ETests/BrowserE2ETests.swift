import Foundation
import Testing

// One at a time: each test blocks a thread while its browser runs (drive), and two cores cannot
// run several Chromiums and servers side by side without starving the others' waits.
@Suite("The pages in a real browser", .serialized)
struct BrowserE2ETests {
    /// The interpreter with Playwright installed (`make test-e2e` prepares it); Chromium is Debian's.
    static var python: String { ProcessInfo.processInfo.environment["CAIRN_BROWSER_PYTHON"] ?? "python3" }

    /// The interpreter with oidc-provider-mock installed (`make test-e2e` prepares .build/oidc-venv):
    /// browser_admin.py runs a real OpenID Connect provider with it.
    static var oidcPython: String {
        if let explicit = ProcessInfo.processInfo.environment["CAIRN_OIDC_PYTHON"] { return explicit }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/oidc-venv/bin/python").path
    }

    /// Runs `Clients/<script>` against the server and returns the JSON summary it prints.
    func drive(_ script: String, port: Int, environment: [String: String] = [:]) throws -> [String: Any] {
        let client = try ClientScript(script, python: Self.python, base: "http://127.0.0.1:\(port)", environment: environment)
        let output = String(decoding: client.out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = client.finish()
        #expect(client.process.terminationStatus == 0, "\(errors)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output) \(errors)")
    }

    /// A server over a fresh data directory with the administrator root@example.com ("admin
    /// password 1") made by `cairn admin create`, plus `settings` as `--set` flags.
    func serveWithAdministrator(_ name: String, settings: [String] = []) async throws -> (CairnProcess, Int) {
        let dataDir = temporaryDirectory(name)
        let (status, output) = try await runCairn(["admin", "create", "--email", "root@example.com", "--password-stdin",
                                                   "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"], stdin: "admin password 1\n")
        #expect(status == 0, "\(output)")
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"]
                                      + settings.flatMap { ["--set", $0] })
        do {
            return (server, try await server.waitForPort())
        } catch {
            server.terminate()
            throw error
        }
    }

    @Test func chatPageSignsUpChatsAndStopsOverTheWebSocket() async throws {
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", temporaryDirectory("browser").path, "--set", "auth.bcrypt_cost=4",
                                       "--set", "agents.offline_chunk_delay_ms=40"])
        defer { server.terminate() }
        let port = try await server.waitForPort()
        let summary = try drive("browser_chat.py", port: port)
        // The chat page's weight and cold-load timing, for the record (no threshold: a figure, not a test).
        let cold = summary["cold_load"] as? [String: Any] ?? [:]
        print("chat page cold load: \(cold)")
        #expect((cold["decoded_bytes"] as? Int ?? 0) > 0 && (cold["interactive_ms"] as? Int ?? 0) > 0, "\(cold)")
        #expect(summary["answered"] as? Bool == true)
        #expect(summary["stopped"] as? Bool == true)
        #expect(summary["threads"] as? Int == 2)
        // Tokens: none in storage or in script-readable cookies; the reload is signed in by the HttpOnly cookie.
        let signedIn = summary["storage_signed_in"] as? [String: Any] ?? [:]
        #expect(signedIn["local"] as? Int == 0 && signedIn["session"] as? Int == 0, "\(signedIn)")
        #expect(signedIn["cookie"] as? String == "cairn_signed_in=1", "\(signedIn)")
        #expect(summary["reload_signed_in"] as? String == "ada@example.com")
        #expect(summary["cookie_names"] as? [String] == ["cairn_refresh", "cairn_signed_in"])
        #expect(summary["refresh_cookie_http_only"] as? Bool == true)
        #expect(summary["after_sign_out_cookies"] as? [String] == [], "signing out removes both cookies")
        #expect(summary["session_end_shows_sign_in"] as? Bool == true, "a session ended elsewhere mid-run shows the sign-in form")
        #expect(summary["session_end_lines"] as? Int == 0, "\(summary)")
        #expect(summary["session_end_sockets"] as? Int == 1, "signing in again opens one socket: \(summary)")
        // The page follows runs over /ws (one socket per page load, kept open while signed in), never SSE.
        let sockets = summary["sockets"] as? [String] ?? []
        #expect(sockets.count == 2 && sockets.allSatisfy { $0 == "ws://127.0.0.1:\(port)/ws" }, "\(sockets)")
        #expect(summary["sse_requests"] as? Int == 0)
        #expect((summary["errors"] as? [String] ?? []).isEmpty, "\(summary["errors"] ?? [])")
        // Left out of "errors" as expected, printed so the log says which requests they were.
        if let late = summary["sign_out_401s"] as? [String], !late.isEmpty { print("requests answered 401 while signing out: \(late)") }
    }

    /// The chat page behind a proxy that passes HTTP and refuses WebSocket upgrades
    /// (Clients/browser_sse.py): after three refused upgrades the page follows runs over the SSE
    /// stream, says "Live over HTTP", and shows each answer once, as stored.
    @Test func chatPageFallsBackToServerSentEventsWhenAProxyRefusesWebSockets() async throws {
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", temporaryDirectory("browser-sse").path, "--set", "auth.bcrypt_cost=4",
                                       "--set", "agents.offline_chunk_delay_ms=20"])
        defer { server.terminate() }
        let summary = try drive("browser_sse.py", port: try await server.waitForPort())
        #expect(summary["answers"] as? [String] == ["= 42", "= 5"])
        #expect((summary["refused_upgrades"] as? Int ?? 0) >= 3, "the page tried the socket first")
        #expect((summary["stream_requests"] as? Int ?? 0) >= 2, "both runs were followed over SSE")
        #expect(summary["stored_answers"] as? Int == 2 && summary["shown_answers"] as? Int == 2, "\(summary)")
        #expect(summary["each_answer_once"] as? Bool == true, "\(summary)")
        #expect(summary["connection_label"] as? String == "Live over HTTP")
        #expect((summary["errors"] as? [String] ?? []).isEmpty, "\(summary["errors"] ?? [])")
    }

    /// First-time setup in the console (Clients/browser_setup.py): a fresh data directory, the
    /// one-time token read from the server log, a wrong token refused in words first, then the
    /// administrator created in the form and the dashboard shown; the token does not work twice.
    @Test func firstAdministratorIsCreatedInTheConsoleWithTheSetupToken() async throws {
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", temporaryDirectory("browser-setup").path, "--set", "auth.bcrypt_cost=4"])
        defer { server.terminate() }
        let port = try await server.waitForPort()
        let token = try #require(server.setupToken, "no setup token in the log: \(server.log)")
        let summary = try drive("browser_setup.py", port: port, environment: ["CAIRN_SETUP_TOKEN": token])

        #expect(summary["users_before"] as? Int == 401)
        // A wrong token: the reason in words, no console, nobody created.
        #expect(summary["wrong_token_error"] as? String == "setup token is invalid, used or expired", "\(summary["wrong_token_error"] ?? "")")
        #expect(summary["wrong_token_console_visible"] as? Bool == false)
        #expect(summary["login_after_wrong_token"] as? Int == 401)
        #expect(summary["form_password_kept"] as? Bool == true)
        // The right one: the console's dashboard, signed in as the new administrator.
        #expect(summary["console_title"] as? String == "Dashboard")
        #expect(summary["who"] as? String == "Frieda First")
        #expect(summary["signin_view_hidden"] as? Bool == true)
        #expect(summary["error_after_setup"] as? Bool == false)
        // Single use: the same token again is refused (403) and creates nobody.
        let again = summary["setup_again"] as? [Any] ?? []
        #expect(again.count == 2 && again[0] as? Int == 403 && again[1] as? String == "forbidden", "\(again)")
        #expect(summary["second_login"] as? Int == 401)
        let login = summary["admin_login"] as? [Any] ?? []
        #expect(login.count == 4 && login[0] as? Int == 200, "the administrator signs in with the form's password: \(login)")
        #expect(login.dropFirst().compactMap { $0 as? String } == ["first@example.com", "admin", "Frieda First"], "\(login)")
        let users = summary["admin_users"] as? [Any] ?? []
        #expect(users.count == 2 && users[0] as? Int == 200 && users[1] as? [String] == ["first@example.com"], "one account: \(users)")
        #expect((summary["screenshots"] as? [String] ?? []).count == 3)
        #expect((summary["errors"] as? [String] ?? []).isEmpty, "\(summary["errors"] ?? [])")
    }

    /// Every console section in Chromium (Clients/browser_admin.py, screenshots in .build/screenshots).
    /// A section whose API does not answer is listed in `unavailable` (its checks are then skipped, so the list must be empty).
    @Test func consoleSectionsWorkEndToEnd() async throws {
        let (server, port) = try await serveWithAdministrator("browser-admin")
        defer { server.terminate() }
        let summary = try drive("browser_admin.py", port: port, environment: ["CAIRN_OIDC_PYTHON": Self.oidcPython])
        let unavailable = Set(summary["unavailable"] as? [String] ?? [])
        #expect(unavailable.isEmpty, "every console section's API answers: \(unavailable.sorted())")

        // Dashboard: figures as cards and three live charts that gained a second reading.
        #expect((summary["dashboard_figures"] as? Int ?? 0) >= 8)
        #expect(summary["dashboard_charts"] as? Int == 3)
        #expect((summary["dashboard_points"] as? Int ?? 0) >= 2, "the charts update without a reload")
        // Breakers and backups.
        #expect(summary["forced_open_via_api"] as? String == "FORCED_OPEN")
        #expect(summary["after_reset"] as? String == "CLOSED")
        #expect(summary["audited"] as? Bool == true)
        #expect(summary["downloaded_sqlite"] as? Bool == true, "the console's download is the database file")
        let listed = summary["backups_listed"] as? [[Any]] ?? []
        #expect(listed.count == 1 && listed.first?[0] as? String == "manual" && listed.first?[1] as? Bool == true)
        // Users: a disabled user cannot sign in.
        #expect(summary["disabled_login"] as? Int == 401)
        // Users, "Sessions & keys": both sessions and the key listed; one session and the key revoked
        // in the panel after a confirmation each; the revoked token and the key refused, the other session working.
        let expectedSessions = summary["access_expected"] as? [String] ?? []
        #expect(expectedSessions.count == 2 && summary["access_listed"] as? [String] == expectedSessions, "\(summary["access_listed"] ?? "")")
        #expect((summary["access_key_row"] as? String ?? "").contains("nightly-ci"), "\(summary["access_key_row"] ?? "")")
        #expect((summary["access_key_row"] as? String ?? "").contains("read"))
        #expect(summary["access_headings"] as? [String] == ["Live sessions (2)", "API keys (1)"], "\(summary["access_headings"] ?? "")")
        let accessDialogs = summary["access_dialogs"] as? [String] ?? []
        #expect(accessDialogs.count == 2, "one confirmation per revocation: \(accessDialogs)")
        #expect(accessDialogs.first?.hasPrefix("End this session of access@example.com?") == true, "\(accessDialogs)")
        #expect(accessDialogs.last?.hasPrefix("Revoke the API key \"nightly-ci\"") == true, "\(accessDialogs)")
        #expect(summary["access_after"] as? [Int] == [401, 200, 401], "revoked session, kept session, revoked key: \(summary["access_after"] ?? "")")
        #expect((summary["access_status"] as? String ?? "").contains("API key nightly-ci of access@example.com revoked"))
        // Audited: admin.session_revoked names the session, admin.api_key_revoked the key.
        let revokedIDs = summary["access_revoked"] as? [String] ?? []
        #expect(revokedIDs.count == 2 && summary["access_audit"] as? [String] == revokedIDs, "\(summary["access_audit"] ?? "") vs \(revokedIDs)")
        if !unavailable.contains("settings") {
            #expect(summary["register_when_closed"] as? Int == 403)
            #expect(summary["register_pending"] as? Int == 202)
            #expect(summary["login_after_approval"] as? Int == 200, "Approve lets a pending user sign in")
            #expect((summary["validation_message"] as? String ?? "").contains("Not saved"))
            #expect(summary["audit_setting_change"] as? Bool == true)
            #expect(summary["audit_actor_shown"] as? String == "root@example.com", "the audit log shows people, not ids")
            if !unavailable.contains("settings_history") {
                #expect(summary["history_shows_change"] as? Bool == true)
                #expect([201, 202].contains(summary["register_after_revert"] as? Int ?? 0), "registration works again after the revert")
            }
        }
        if !unavailable.contains("quota") {
            let runs = summary["quota_runs"] as? [Any] ?? []
            #expect(runs.count == 3 && runs[0] as? Int == 202 && runs[1] as? Int == 429 && runs[2] as? String == "quota_exceeded", "\(runs)")
            #expect((summary["reset_link"] as? String ?? "").contains("reset"), "the one-time link is shown to copy")
            #expect(summary["login_after_reset"] as? [Int] == [401, 200], "the link sets a new password on the chat page")
            #expect(summary["reset_token_left_url"] as? Bool == true, "the token does not stay in the address bar")
        }
        if !unavailable.contains("runs") && !unavailable.contains("settings") {
            #expect((summary["timeline_events"] as? Int ?? 0) >= 1)
            #expect(summary["cancelled_via_api"] as? String == "cancelled")
            #expect(summary["runs_filtered_users"] as? [String] == ["quota@example.com"])
        }
        if !unavailable.contains("audit_csv") {
            #expect(summary["csv_header"] as? [String] == ["id", "at", "actor", "actor_email", "action", "target", "ip", "details"])
            #expect((summary["csv_rows"] as? Int ?? 0) > 0)
        }
        if !unavailable.contains("sign_in_providers") {
            // Configuration: a provider added through the form (a 422 explained beside its field first),
            // edited with the secret left empty (kept), then deleted after a confirmation.
            #expect((summary["provider_validation"] as? String ?? "").contains("Issuer URL is required"), "\(summary["provider_validation"] ?? "")")
            #expect(summary["provider_callback"] as? String == "http://127.0.0.1:\(port)/api/auth/oauth/mock/callback")
            let saved = summary["provider_saved"] as? [[Any]] ?? []
            #expect(saved.count == 1 && saved.first?[0] as? String == "mock" && saved.first?[1] as? String == "oidc"
                    && saved.first?[2] as? String == "Mock IdP" && saved.first?[4] as? String == "cairn", "\(saved)")
            #expect(summary["provider_delete_confirmed"] as? Bool == true)
            #expect((summary["providers_after_delete"] as? [Any])?.isEmpty == true)
            // "Sign in with Mock IdP" on the chat page: the provider's form, then back signed in, the code gone from the address.
            #expect(summary["oidc_signed_in_as"] as? String == "alice@example.com")
            #expect(summary["oidc_me"] as? String == "alice@example.com")
            #expect(summary["oidc_hash_after"] as? String == "", "\(summary["oidc_url_after"] ?? "")")
            #expect(!(summary["oidc_url_after"] as? String ?? "login_code").contains("login_code"))
            // An unverified email is refused in words, and nobody is signed in.
            #expect(summary["oidc_unverified_error"] as? String == "Your account with that provider has no verified email address, so it cannot sign in here.")
            #expect(summary["oidc_unverified_hash"] as? String == "")
            #expect(summary["oidc_unverified_signed_in"] as? Bool == false)
            // The console's button comes back to /admin/ and opens the console (the administrator's verified email).
            #expect(summary["oidc_console"] as? [String] == ["root@example.com", "/admin/"])
        }
        #expect((summary["screenshots"] as? [String] ?? []).count >= 14)
        #expect((summary["overflow"] as? [String] ?? []).isEmpty, "a page is wider than the window: \(summary["overflow"] ?? [])")
        #expect((summary["errors"] as? [String] ?? []).isEmpty, "\(summary["errors"] ?? [])")
    }

    /// The chat page's own-account features (Clients/browser_account.py): two users in separate
    /// browser contexts kept apart, keyboard-only sign-in/send/Stop, thread rename/search/delete,
    /// the agent picker and Retry, and the Account dialog (usage, sessions, API keys, password).
    @Test func chatPageAccountThreadsAgentsAndRetry() async throws {
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", temporaryDirectory("browser-account").path, "--set", "auth.bcrypt_cost=4",
                                       "--set", "agents.offline_chunk_delay_ms=40"])
        defer { server.terminate() }
        let port = try await server.waitForPort()
        let summary = try drive("browser_account.py", port: port)

        // Keyboard only: typed sign-in, Shift+Enter is a new line, Enter sends, Tab reaches Stop.
        #expect(summary["shift_enter_value"] as? String == "first line\nsecond line")
        #expect(summary["stop_focused"] as? String == "stop")
        #expect(summary["keyboard_stopped"] as? Bool == true)
        // Two users: neither sees the other's threads in the list or in search; the other's ids answer 404.
        #expect(summary["ada_titles"] as? [String] == ["What is 17*23?"], "\(summary["ada_titles"] ?? "")")
        #expect(summary["bob_titles"] as? [String] == ["Walrus facts: what is 2+3?"], "\(summary["bob_titles"] ?? "")")
        let adaSearch = summary["ada_search_other"] as? [Any] ?? []
        #expect((adaSearch.first as? [Any])?.isEmpty == true && adaSearch.last as? String == "No message contains \"walrus\".", "\(adaSearch)")
        let bobSearch = summary["bob_search_other"] as? [Any] ?? []
        #expect((bobSearch.first as? [Any])?.isEmpty == true && bobSearch.last as? String == "No message contains \"cairns\".", "\(bobSearch)")
        #expect(summary["ada_opens_bobs"] as? [Int] == [404, 404])
        #expect(summary["bob_opens_adas"] as? Int == 404)
        // Search: the thread's title and a snippet with the words marked; the list comes back with Escape.
        let results = summary["search_results"] as? [String] ?? []
        #expect(results.count == 1 && results[0].hasPrefix("What is 17*23?Tell me a long story about cairns"), "\(results)")
        #expect(summary["search_marks"] as? String == "cairns")
        #expect(summary["thread_list_hidden_while_searching"] as? Bool == true)
        // Rename: Escape keeps the old title, Enter saves the new one.
        #expect(summary["after_escape"] as? String == "What is 17*23?")
        #expect(summary["renamed_api"] as? String == "Cairn story, stopped")
        // Agent picker: the server's agents, "assistant" first chosen; the run and the new thread use the chosen one.
        let options = summary["agent_options"] as? [String] ?? []
        #expect(options.contains("assistant") && options.contains("triage") && options.contains("supervisor"), "\(options)")
        #expect(summary["agent_default"] as? String == "assistant")
        #expect((summary["run_body"] as? [String: String]) == ["input": "Classify this request about hiking", "agent": "triage"])
        #expect(summary["run_agent"] as? [String] == ["triage", "succeeded"])
        #expect(summary["thread_agent"] as? String == "triage")
        // Retry: a new run in the same thread with the same input.
        #expect((summary["retry_body"] as? [String: String]) == ["input": "Classify this request about hiking", "agent": "triage"])
        let retry = summary["retry"] as? [Any] ?? []
        #expect(retry.count == 3 && retry[0] as? Bool == true && retry[1] as? Bool == true && retry[2] as? String == "triage", "\(retry)")
        #expect(summary["retry_user_messages"] as? [String] == ["Classify this request about hiking", "Classify this request about hiking"])
        // Delete after a confirmation: the thread answers 404 and leaves search.
        let deleted = summary["deleted"] as? [Any] ?? []
        #expect(deleted.count == 2 && deleted[0] as? Int == 404 && deleted[1] as? String == "No message contains \"hiking\".", "\(deleted)")
        let dialogs = summary["dialogs"] as? [String] ?? []
        #expect(dialogs.count == 2 && dialogs[0].hasPrefix("Delete the thread \"Classify this request about hiking\"?") && dialogs[1].hasPrefix("Revoke the API key \"laptop script\"?"), "\(dialogs)")
        // Account: who, usage against "no limit", sessions, API keys, password.
        #expect((summary["profile"] as? String ?? "").contains("ada@example.com"))
        let usage = summary["usage"] as? String ?? ""
        #expect(usage.contains("Runs today\n4 (no limit)"), "\(usage)")
        #expect(summary["sessions_listed"] as? Int == 2)
        #expect(summary["other_before"] as? Int == 200)
        #expect(summary["other_after"] as? Int == 401, "Sign out this device ends the other session")
        #expect((summary["key_message"] as? String ?? "").contains("you will not see it again"))
        #expect(summary["key_shape"] as? Bool == true)
        #expect(summary["key_works"] as? Int == 200, "the new key is a Bearer token")
        #expect((summary["key_row"] as? String ?? "").contains("laptop script"))
        #expect(summary["key_shown_again"] as? Bool == false, "the key is shown once")
        #expect(summary["key_after_revoke"] as? Int == 401)
        #expect(summary["focus_after_escape"] as? String == "account-button", "Escape closes the dialog and focus returns")
        #expect(summary["wrong_current"] as? String == "Current password is incorrect.")
        #expect(summary["mismatch"] as? String == "The two new passwords differ. Type the same password twice.")
        #expect((summary["password_status"] as? String ?? "").contains("other sessions were signed out"))
        #expect(summary["logins_after_change"] as? [Int] == [401, 200], "the old password fails, the new one works")
        #expect(summary["this_session_after_change"] as? Int == 200)
        #expect(summary["phone_overflow"] as? Bool == false)
        #expect(summary["page_overflow_phone"] as? Bool == false)
        #expect((summary["screenshots"] as? [String] ?? []).count == 10)
        #expect((summary["errors"] as? [String] ?? []).isEmpty, "\(summary["errors"] ?? [])")
    }

    /// Answers render as safe Markdown (Clients/browser_markdown.py): CairnMarkdown.render on hostile
    /// and normal inputs and on every prefix of a streamed answer, then end to end with a fake
    /// OpenAI-compatible vendor on loopback streaming a hostile Markdown answer to the chat page.
    @Test func chatAnswersRenderAsSafeMarkdown() async throws {
        let (server, port) = try await serveWithAdministrator("browser-markdown")
        defer { server.terminate() }
        let summary = try drive("browser_markdown.py", port: port)

        // (a) render() in the page: nothing hostile becomes an element, an attribute or a link, and it stays visible.
        #expect(summary["frozen"] as? Bool == true)
        #expect(summary["hostile_checked"] as? Int == 26)
        #expect((summary["unit_failures"] as? [String] ?? ["missing"]).isEmpty, "\(summary["unit_failures"] ?? "")")
        let normal = summary["normal"] as? [String: [String: Int]] ?? [:]
        #expect(normal.count == 8, "every normal case is counted: \(normal)")
        let blocks = summary["code_blocks"] as? [[String: String]] ?? []
        #expect(blocks.map { $0["cls"] ?? "?" } == ["language-python", "language-c++", ""], "\(blocks)")
        #expect(blocks.first?["text"] == "x = '<b>'")
        #expect((summary["code_buttons"] as? [[String]] ?? []).allSatisfy { $0 == ["button", "Copy code", "Copy"] } && (summary["code_buttons"] as? [Any])?.count == 3)
        #expect(summary["link_hrefs"] as? [String] == ["https://a.example/x_(y)", "https://b.example/", "mailto:c@example.com",
                                                       "mailto:d@example.com", "https://e.example/f", "https://g.example/p.png"])
        #expect(summary["image_link_text"] as? String == "Image: img", "an image is a link, never <img>")
        #expect(summary["inline_text"] as? String == "b e e be d c snake_case_name 2 * 3 * 4")
        #expect(summary["ordered_start"] as? Int == 3)
        // Streaming: every prefix is safe, an open fence is an open code block, an unclosed ** stays literal.
        #expect((summary["prefixes_checked"] as? Int ?? 0) > 900)
        #expect((summary["prefix_problems"] as? [String] ?? ["missing"]).isEmpty, "\(summary["prefix_problems"] ?? "")")
        #expect(summary["open_fence"] as? [[String: String]] == [["cls": "language-python", "text": "def greet"]])
        let unclosed = summary["unclosed"] as? [Any] ?? []
        #expect(unclosed.count == 2 && unclosed[0] as? [String] == ["p"] && unclosed[1] as? String == "Some **bold and `code", "\(unclosed)")
        let capped = summary["capped"] as? [String: Any] ?? [:]
        #expect(capped["tags"] as? [String] == ["p"] && capped["rest_length"] as? Int == 10035 && capped["rest_literal"] as? Bool == true, "\(capped)")

        // (b) End to end through the fake vendor.
        #expect(summary["provider_saved"] as? Int == 201)
        #expect(summary["agent_saved"] as? Int == 200)
        #expect(summary["vendor_calls"] as? Int == 1)
        #expect(summary["vendor_saw_user_input"] as? Bool == true)
        // The user's own message stays literal text.
        #expect(summary["user_text_exact"] as? Bool == true)
        #expect(summary["user_elements"] as? Int == 0)
        #expect(summary["user_white_space"] as? String == "pre-wrap")
        // The answer, streamed and from history: structure rendered, hostile parts inert and visible.
        for key in ["live", "history"] {
            let facts = summary[key] as? [String: Any] ?? [:]
            #expect(facts["headings"] as? [[String]] == [["h1", "Deployment notes"], ["h2", "A table"]], "\(key): \(facts)")
            #expect(facts["items"] as? Int == 10 && facts["nestedItems"] as? Int == 2, "\(key): \(facts)")
            #expect(facts["th"] as? [String] == ["Service", "Port", "Status", "Notes"] && facts["td"] as? Int == 8, "\(key): \(facts)")
            let code = facts["code"] as? [[String]] ?? []
            #expect(code.count == 1 && code.first?.first == "language-python" && code.first?.last?.hasPrefix("def greet(name):") == true, "\(key): \(code)")
            let links = facts["links"] as? [[String]] ?? []
            #expect(links.map { $0[0] } == ["https://example.com/docs?a=1&b=2", "https://cairn.example/ok", "mailto:ops@example.com"], "\(key): \(links)")
            #expect(links.allSatisfy { $0[1] == "noopener noreferrer nofollow" && $0[2] == "_blank" }, "\(key): \(links)")
            #expect(facts["quote"] as? Int == 1 && facts["hr"] as? Int == 1, "\(key)")
            #expect(facts["dangerous"] as? Int == 0 && (facts["onAttrs"] as? [String])?.isEmpty == true, "\(key): \(facts)")
            #expect((facts["hostile_missing"] as? [String] ?? ["missing"]).isEmpty, "\(key): \(facts["hostile_missing"] ?? "")")
        }
        #expect(summary["history_user_exact"] as? Bool == true)
        #expect(summary["clipboard_is_code"] as? Bool == true, "Copy puts the code block's text on the clipboard")
        // Never executed: no dialog, no global set by a payload, nothing dangerous added at any moment of the stream.
        #expect((summary["dialogs"] as? [String] ?? ["missing"]).isEmpty, "\(summary["dialogs"] ?? "")")
        #expect(summary["pwned"] as? String == "undefined")
        #expect((summary["violations"] as? [String] ?? ["missing"]).isEmpty, "\(summary["violations"] ?? "")")
        // Phone width: the page does not widen; the table and the code scroll inside the answer.
        #expect(summary["phone_page_overflow"] as? Int == 0)
        #expect(summary["phone_table_scrolls"] as? Bool == true && summary["phone_code_scrolls"] as? Bool == true)
        #expect(summary["phone_bubble_fits"] as? Bool == true)
        #expect((summary["screenshots"] as? [String] ?? []).count == 6)
        #expect((summary["errors"] as? [String] ?? ["missing"]).isEmpty, "\(summary["errors"] ?? [])")
    }

    /// The run timeline (Clients/browser_timeline.py): a tool call with its arguments and result, then
    /// one summary line; a pipeline's steps nested; Stop in words; a reload mid-stream continues the
    /// same answer, whole and once; a failed run (an agent on a dead provider) live and after reopening.
    @Test func chatTimelineShowsToolsPipelinesStopsReloadsAndFailures() async throws {
        let (server, port) = try await serveWithAdministrator("browser-timeline", settings: ["agents.offline_chunk_delay_ms=40"])
        defer { server.terminate() }
        let summary = try drive("browser_timeline.py", port: port)

        #expect(summary["indicator_role"] as? String == "status")
        // The tool call: its line, arguments and result; then one collapsed summary line.
        #expect((summary["tool_summary"] as? String ?? "").hasPrefix("calculator(17*23) → 391"), "\(summary["tool_summary"] ?? "")")
        #expect(summary["tool_arguments"] as? [String: String] == ["expression": "17*23"])
        #expect((summary["tool_result"] as? [String: Any])?["value"] as? Int == 391)
        let done = summary["done_label"] as? String ?? ""
        #expect(done.hasPrefix("Done in ") && done.contains(" · 1 agent · 1 tool call · ") && done.hasSuffix(" tokens"), "\(done)")
        #expect(summary["collapsed"] as? Bool == true)
        #expect(summary["announced"] as? String == "Answer finished")
        #expect(summary["queued_shown"] as? Bool == false, "a run that starts at once never shows Queued…")
        // The pipeline: supervisor on top, its five steps nested inside it.
        #expect((summary["pipeline_label"] as? String ?? "").contains(" · 6 agents"), "\(summary["pipeline_label"] ?? "")")
        let top = summary["pipeline_top"] as? [String] ?? []
        #expect(top.count == 1 && top.first?.hasPrefix("supervisor finished in") == true, "\(top)")
        let steps = (summary["pipeline_nested"] as? [String] ?? []).map { String($0.prefix { $0 != " " }) }
        #expect(steps == ["triage", "data", "optimization", "actions", "reporting"], "\(summary["pipeline_nested"] ?? "")")
        // Stop: cancelled, in words.
        #expect((summary["cancel_label"] as? String ?? "").hasPrefix("Cancelled after "))
        #expect(summary["cancel_lines"] as? [String] == ["Run cancelled before it finished."], "\(summary["cancel_lines"] ?? "")")
        // Reload mid-stream: the thread reopens from the address, the run is followed again, the text equals its deltas.
        #expect(summary["hash_kept"] as? Bool == true)
        #expect(summary["following_after_reload"] as? Bool == true)
        #expect(summary["reload_text_equal"] as? Bool == true)
        #expect((summary["reload_text_length"] as? Int ?? 0) > 100)
        #expect(summary["reload_user_bubbles"] as? Int == 1)
        // The failed run: the reason in words, nothing said twice, the same after a reload.
        #expect(summary["dead_provider"] as? Int == 201 && summary["broken_agent"] as? Int == 201)
        let failed = "Failed: The AI model could not be reached, so no answer was written."
        #expect(summary["failed_label"] as? String == failed)
        #expect(summary["reopened_failed_label"] as? String == failed)
        #expect((summary["failed_repeats"] as? [Any])?.isEmpty == true && (summary["reopened_failed_repeats"] as? [Any])?.isEmpty == true)
        #expect(summary["reopened_failed_user"] as? [String] == ["You: Hello, are you there?"])
        // A past run rebuilt from its events.
        #expect(summary["reopened_tool_label"] as? String == done)
        #expect((summary["reopened_tool_result"] as? [String: Any])?["value"] as? Int == 391)
        #expect(summary["phone_overflow"] as? Bool == false)
        #expect((summary["screenshots"] as? [String] ?? []).count == 9)
        #expect((summary["errors"] as? [String] ?? ["missing"]).isEmpty, "\(summary["errors"] ?? [])")
    }

    /// SIGKILL in the middle of a run and a restart on the same port and data directory
    /// (browser_timeline.py runs cairn itself): the page reconnects without a reload and says the run
    /// was interrupted; the server closed it as `interrupted` at start-up.
    @Test func chatPageReconnectsAfterAServerCrashAndShowsTheRunInterrupted() async throws {
        let summary = try drive("browser_timeline.py", port: 0, environment: [
            "CAIRN_TIMELINE_MODE": "restart", "CAIRN_BINARY": CairnProcess.binary,
            "CAIRN_TIMELINE_DATA": temporaryDirectory("browser-restart").path,
        ])
        #expect((summary["reconnecting_text"] as? String ?? "").hasPrefix("Reconnecting"), "\(summary["reconnecting_text"] ?? "")")
        #expect(summary["same_document"] as? Bool == true, "no reload")
        #expect(summary["interrupted_label"] as? String == "Interrupted by a server restart")
        #expect(summary["run_status"] as? String == "interrupted")
        #expect(summary["send_enabled"] as? Bool == true)
        #expect((summary["errors"] as? [String] ?? ["missing"]).isEmpty, "\(summary["errors"] ?? [])")
    }
}
