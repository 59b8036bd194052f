import CairnAgents
@testable import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Testing

/// Sign-in through a real OpenID Connect provider (oidc-provider-mock, an Authlib server in
/// its own process): PKCE, state bound to the browser, nonce, ID-token verification, linking by
/// verified email, a one-time login code, and every failure answered without half-created state.
@Suite("Sign-in with an OpenID Connect provider", .serialized)
struct SignInTests {
    static let password = "correct horse battery"

    struct Browser {
        let client: any TestClientProtocol
        let provider: OIDCProviderProcess

        /// Start → provider form → callback; returns the callback's redirect (`/…#login_code=…`).
        func signIn(as sub: String, via id: String = "mock", redirect: String = "/", deny: Bool = false, cookie override: String? = nil,
                    beforeCallback: @Sendable () async throws -> Void = {}) async throws -> (location: String, authorize: String) {
            let start = try await client.call(.get, "/api/auth/oauth/\(id)/start?redirect=\(redirect)")
            #expect(start.status == .found)
            let authorize = try #require(start.headers[.location])
            let setCookie = try #require(start.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && setCookie.contains("Path=/api/auth/oauth"))
            let cookie = override ?? String(setCookie.split(separator: ";")[0])
            let back = try await provider.authorize(authorize, as: sub, deny: deny)
            try await beforeCallback()
            let callback = try #require(URLComponents(string: back))
            let path = callback.path + "?" + (callback.percentEncodedQuery ?? "")
            let done = try await client.call(.get, path, extraHeaders: cookie.isEmpty ? [:] : ["Cookie": cookie])
            if done.status != .found { return ("status \(done.status.code): \(done.text)", authorize) }
            return (try #require(done.headers[.location]), authorize)
        }

        /// A provider's error redirect (with the state, as RFC 6749 §4.1.2.1 has it).
        func providerError(_ error: String) async throws -> String {
            let start = try await client.call(.get, "/api/auth/oauth/mock/start?redirect=/")
            let location = try #require(start.headers[.location])
            let items = URLComponents(string: location)?.queryItems ?? []
            let state = try #require(items.first { $0.name == "state" }?.value)
            let setCookie = try #require(start.headers[.setCookie])
            let cookie = String(setCookie.split(separator: ";")[0])
            let done = try await client.call(.get, "/api/auth/oauth/mock/callback?error=\(error)&state=\(state)", extraHeaders: ["Cookie": cookie])
            return done.headers[.location] ?? "status \(done.status.code)"
        }

        func exchange(_ location: String) async throws -> TestResponse {
            let code = String(location.split(separator: "#login_code=").last ?? "")
            return try await client.call(.post, "/api/auth/oauth/exchange", json: ["login_code": code])
        }
    }

    func withProvider(_ settings: [String: String] = [:], _ body: @Sendable (Browser, String, ServerEnvironment) async throws -> Void) async throws {
        let provider = try await OIDCProviderProcess()
        defer { provider.stop() }
        try await TestServer(settings).run { client, env in
            _ = try await env.auth.createAdmin(email: "admin@example.com", password: Self.password, name: nil, origin: .commandLine, actor: "test")
            let login = try await client.call(.post, "/api/auth/login", json: ["email": "admin@example.com", "password": Self.password]).json()
            let admin = try #require(login["access_token"] as? String)
            let saved = try await client.call(.put, "/api/admin/auth-providers/mock",
                                              json: ["type": "oidc", "name": "Mock SSO", "issuer": provider.issuer, "client_id": "cairn", "client_secret": "s3cret"],
                                              token: admin)
            #expect(saved.status == .created, "\(saved.text)")
            #expect(try saved.json()["client_secret"] as? String == "********")
            try await body(Browser(client: client, provider: provider), admin, env)
        }
    }

    @Test func aNewPersonSignsInWithAVerifiedEmailAndGetsTokensThroughAOneTimeCode() async throws {
        try await withProvider { browser, _, env in
            let client = browser.client
            let listed = try await client.call(.get, "/api/auth/providers").text
            #expect(listed.contains(#""id":"mock""#) && listed.contains("Mock SSO") && !listed.contains("s3cret"))
            try await browser.provider.setUser("olive", claims: ["email": "Olive@Example.com", "email_verified": true, "name": "Olive"])
            let (location, authorize) = try await browser.signIn(as: "olive", redirect: "/admin/")
            let query = Dictionary(uniqueKeysWithValues: (URLComponents(string: authorize)?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(query["code_challenge_method"] == "S256" && (query["code_challenge"]?.count ?? 0) == 43)
            #expect(query["nonce"]?.isEmpty == false && query["state"]?.isEmpty == false && query["scope"] == "openid email profile")
            #expect(location.hasPrefix("/admin/#login_code="), "\(location)")
            #expect(!location.contains("token"), "no token in a URL")
            let exchanged = try await browser.exchange(location)
            #expect(exchanged.status == .ok)
            let access = try #require(try exchanged.json()["access_token"] as? String)
            let me = try await client.call(.get, "/api/auth/me", token: access).json()
            #expect(me["email"] as? String == "olive@example.com" && me["auth_provider"] as? String == "mock" && me["name"] as? String == "Olive")
            // The code is single use.
            #expect(try await browser.exchange(location).status == .unauthorized)
            // Signing in again finds the same person by the linked identity.
            let again = try await browser.exchange(try await browser.signIn(as: "olive").location)
            #expect(try again.json()["user"].flatMap { ($0 as? [String: Any])?["id"] as? String } == me["id"] as? String)
            let actions = try await AuditRepository(env.store.pool).list(AuditQuery(limit: 100)).map(\.action)
            #expect(actions.filter { $0 == "auth.oauth_login" }.count == 2 && actions.contains("auth.register"))
        }
    }

    @Test func aVerifiedEmailLinksTheExistingAccountAndAnUnverifiedOneNeverTakesItOver() async throws {
        try await withProvider { browser, _, env in
            let client = browser.client
            let owner = try await client.registerUser("owner@example.com")
            try await browser.provider.setUser("mallory", claims: ["email": "owner@example.com", "email_verified": false])
            let refused = try await browser.signIn(as: "mallory")
            #expect(refused.location == "/#login_error=email_not_verified")
            let identities = try await env.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user_identities") }
            #expect(identities == 0, "nothing linked")

            try await browser.provider.setUser("owner-sso", claims: ["email": "owner@example.com", "email_verified": true])
            let linked = try await browser.exchange(try await browser.signIn(as: "owner-sso").location)
            #expect(try (linked.json()["user"] as? [String: Any])?["id"] as? String == owner.userID)
        }
    }

    @Test func replayedForeignAndDeniedCallbacksFailCleanly() async throws {
        try await withProvider(["auth.registration": "closed"]) { browser, admin, env in
            let client = browser.client
            try await browser.provider.setUser("nina", claims: ["email": "nina@example.com", "email_verified": true])
            // Registration closed: no account is created.
            #expect(try await browser.signIn(as: "nina").location == "/#login_error=registration_closed")
            #expect(try await env.auth.user(email: "nina@example.com") == nil)
            // Denied at the provider.
            // Denied at the provider: this provider's error redirect carries no `state` (RFC 6749
            // says it must), so it cannot be tied to a sign-in and is refused; the same answer with
            // its state ends on the page with the reason.
            #expect(try await browser.signIn(as: "nina", deny: true).location.hasPrefix("status 400"))
            let denied = try await browser.providerError("access_denied")
            #expect(denied == "/#login_error=access_denied", "\(denied)")
            // A callback without this browser's cookie, or with another one, is refused.
            #expect(try await browser.signIn(as: "nina", cookie: "").location.hasPrefix("status 400"))
            #expect(try await browser.signIn(as: "nina", cookie: "cairn_oauth=forged").location.hasPrefix("status 400"))
            // A made-up state, and an open redirect, are refused.
            #expect(try await client.call(.get, "/api/auth/oauth/mock/callback?code=x&state=forged", extraHeaders: ["Cookie": "cairn_oauth=x"]).status == .badRequest)
            for redirect in ["https://evil.example/", "//evil.example/", "/%5Cevil", "/a%23b"] {
                #expect(try await client.call(.get, "/api/auth/oauth/mock/start?redirect=\(redirect)").status == .unprocessableContent, "\(redirect)")
            }
            #expect(try await client.call(.get, "/api/auth/oauth/nobody/start").status == .notFound)
            #expect(try await client.call(.post, "/api/auth/oauth/exchange", json: ["login_code": "made-up"]).status == .unauthorized)
            let failures = try await AuditRepository(env.store.pool).list(AuditQuery(action: "auth.oauth_failed", limit: 50))
            #expect(failures.count >= 4)
            _ = admin
        }
    }

    @Test func providersAreValidatedAndTheSecretIsWriteOnly() async throws {
        try await withProvider { browser, admin, _ in
            let client = browser.client
            let bad = try await client.call(.put, "/api/admin/auth-providers/Bad_Id", json: ["type": "oidc", "client_id": "x"], token: admin)
            #expect(bad.status == .notFound)
            for (body, field) in [(["type": "saml", "client_id": "x", "client_secret": "y"], "type"),
                                  (["type": "oidc", "client_id": "x", "client_secret": "y"], "issuer"),
                                  (["type": "oidc", "issuer": "http://evil.example", "client_id": "x", "client_secret": "y"], "issuer"),
                                  (["type": "oidc", "issuer": "https://id.example", "client_id": "x", "client_secret": "y", "scopes": ["email"]], "scopes"),
                                  (["type": "google", "client_id": "x"], "client_secret")] as [([String: Any], String)] {
                let response = try await client.call(.put, "/api/admin/auth-providers/second", json: body, token: admin)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(((try response.json()["error"] as? [String: Any])?["details"] as? [String: String])?[field] != nil, "\(body) \(response.text)")
            }
            // The secret stays when omitted, but not when the issuer changes.
            #expect(try await client.call(.put, "/api/admin/auth-providers/mock",
                                          json: ["type": "oidc", "issuer": browser.provider.issuer, "client_id": "cairn"], token: admin).status == .ok)
            let moved = try await client.call(.put, "/api/admin/auth-providers/mock",
                                              json: ["type": "oidc", "issuer": "https://elsewhere.example", "client_id": "cairn"], token: admin)
            #expect(moved.status == .unprocessableContent)
            let user = try await client.registerUser("plain@example.com")
            #expect(try await client.call(.get, "/api/admin/auth-providers", token: user.access).status == .forbidden)
            #expect(try await client.call(.delete, "/api/admin/auth-providers/mock", token: admin).status == .noContent)
            #expect(try await client.call(.get, "/api/auth/providers").text == "[]")
        }
    }

    @Test func twoProvidersAtOnceAndAProviderThatGoesDownMidSignIn() async throws {
        try await withProvider { browser, admin, env in
            let client = browser.client
            #expect(try await client.call(.put, "/api/admin/auth-providers/second",
                                          json: ["type": "oidc", "name": "Second SSO", "issuer": browser.provider.issuer, "client_id": "cairn-two", "client_secret": "two"],
                                          token: admin).status == .created)
            let listed = try await client.call(.get, "/api/auth/providers").text
            #expect(listed.contains("Mock SSO") && listed.contains("Second SSO"))
            try await browser.provider.setUser("pat", claims: ["email": "pat@example.com", "email_verified": true])
            let first = try await browser.exchange(try await browser.signIn(as: "pat").location)
            let second = try await browser.exchange(try await browser.signIn(as: "pat", via: "second").location)
            let ids = [first, second].map { (try? $0.json()["user"] as? [String: Any])?["id"] as? String }
            #expect(ids[0] != nil && ids[0] == ids[1], "both providers sign in the same person")
            // The provider goes away between the person's consent and the code exchange.
            let provider = browser.provider
            let down = try await browser.signIn(as: "pat", beforeCallback: { provider.stop() }).location
            #expect(down == "/#login_error=provider_unavailable", "\(down)")
            let breaker = try #require(env.services.breakers.existing("auth:mock"))
            #expect(breaker.snapshot().lifetime.failed >= 1)
            // A new sign-in says so at once.
            #expect(try await client.call(.get, "/api/auth/oauth/second/start").status == .found, "discovery is cached")
        }
    }

    /// One GitHub sign-in through the fake vendor (token, user, then `emails` as the emails API's
    /// answer): where the callback sent the browser.
    static func gitHubSignIn(_ client: any TestClientProtocol, _ github: FakeVendor, base: String, emails: String) async throws -> String {
        github.enqueue(.status(200, body: #"{"access_token":"gho_token","token_type":"bearer","scope":"read:user,user:email"}"#),
                       .status(200, body: #"{"id":4242,"login":"octocat","name":"Octo Cat"}"#),
                       .status(200, body: emails))
        let start = try await client.call(.get, "/api/auth/oauth/gh/start?redirect=/")
        let location = try #require(start.headers[.location])
        #expect(location.hasPrefix(base + "/login/oauth/authorize?") && location.contains("client_id=Iv1.abc") && !location.contains("nonce="))
        let state = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "state" }?.value)
        let setCookie = try #require(start.headers[.setCookie])
        let done = try await client.call(.get, "/api/auth/oauth/gh/callback?code=c0de&state=\(state)",
                                         extraHeaders: ["Cookie": String(setCookie.split(separator: ";")[0])])
        return done.headers[.location] ?? "status \(done.status.code)"
    }

    /// GitHub issues no ID token: the code exchange, then its user and emails APIs, faked at the
    /// protocol level (a real HTTP server speaking GitHub's JSON) as a GitHub Enterprise base URL.
    @Test func gitHubSignsInWithThePrimaryVerifiedEmail() async throws {
        let github = try await FakeVendor()
        try await TestServer().run { client, env in
            _ = try await env.auth.createAdmin(email: "admin@example.com", password: Self.password, name: nil, origin: .commandLine, actor: "test")
            let admin = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "admin@example.com", "password": Self.password]).json()["access_token"] as? String)
            let base = "http://127.0.0.1:\(github.port)"
            #expect(try await client.call(.put, "/api/admin/auth-providers/gh", json: ["type": "github", "issuer": base, "client_id": "Iv1.abc", "client_secret": "gh-secret"],
                                          token: admin).status == .created)
            let unverified = try await Self.gitHubSignIn(client, github, base: base, emails: #"[{"email":"octo@example.com","primary":true,"verified":false}]"#)
            #expect(unverified == "/#login_error=email_not_verified")
            let location = try await Self.gitHubSignIn(client, github, base: base, emails: #"[{"email":"old@example.com","primary":false,"verified":true},{"email":"Octo@Example.com","primary":true,"verified":true}]"#)
            #expect(location.hasPrefix("/#login_code="), "\(location)")
            let code = String(location.dropFirst("/#login_code=".count))
            let tokens = try await client.call(.post, "/api/auth/oauth/exchange", json: ["login_code": code]).json()
            let user = try #require(tokens["user"] as? [String: Any])
            #expect(user["email"] as? String == "octo@example.com" && user["name"] as? String == "Octo Cat" && user["auth_provider"] as? String == "gh")
            let seen = github.seen
            #expect(seen.paths.filter { $0 == "/login/oauth/access_token" }.count == 2)
            #expect(seen.paths.suffix(2) == ["/api/v3/user", "/api/v3/user/emails"])
            #expect(seen.headers.last?["authorization"] == "Bearer gho_token")
            #expect(seen.headers[seen.paths.lastIndex(of: "/login/oauth/access_token")!]["content-type"] == "application/x-www-form-urlencoded")
            // GitHub's calls went through the provider's breaker.
            #expect(env.services.breakers.existing("auth:gh") != nil)
        }
        await github.close()
    }

    /// Forged and broken ID tokens from a protocol-level provider that signs with a key the
    /// test holds: each is refused with `invalid_id_token` and creates nobody.
    @Test func forgedExpiredMisdirectedAndReplayedIDTokensAreRefused() async throws {
        let idp = try await FakeVendor()
        let issuer = "http://127.0.0.1:\(idp.port)"
        let key1 = ES256PrivateKey()
        @Sendable func jwks(_ keys: [(ES256PrivateKey, String)]) -> String {
            let items = keys.map { key, kid -> String in
                let p = key.publicKey.parameters!
                return #"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(p.x)","y":"\#(p.y)"}"#
            }
            return #"{"keys":[\#(items.joined(separator: ","))]}"#
        }
        let signers = JWTKeyCollection()
        await signers.add(ecdsa: key1, kid: "k1")
        await signers.add(hmac: "a shared secret of at least thirty-two bytes", digestAlgorithm: .sha256, kid: "h1")
        try await TestServer().run { client, env in
            _ = try await env.auth.createAdmin(email: "admin@example.com", password: Self.password, name: nil, origin: .commandLine, actor: "test")
            let admin = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "admin@example.com", "password": Self.password]).json()["access_token"] as? String)
            #expect(try await client.call(.put, "/api/admin/auth-providers/idp", json: ["type": "oidc", "issuer": issuer, "client_id": "cairn", "client_secret": "x"],
                                          token: admin).status == .created)
            idp.enqueue(.status(200, body: #"{"issuer":"\#(issuer)","authorization_endpoint":"\#(issuer)/authorize","token_endpoint":"\#(issuer)/token","jwks_uri":"\#(issuer)/jwks"}"#))
            let signIn = ScriptedIDTokenSignIn(client: client, idp: idp, provider: "idp")
            func attempt(_ extra: [FakeVendor.Reply] = [], _ make: (String) async throws -> String) async throws -> String {
                try await signIn.attempt(extra, token: make)
            }
            let now = Date()
            func claims(_ nonce: String, aud: [String] = ["cairn"], iss: String? = nil, exp: TimeInterval = 300, email: String = "ivy@example.com") -> IDTokenClaims {
                IDTokenClaims(iss: iss ?? issuer, sub: "ivy", aud: AudienceClaim(value: aud), exp: ExpirationClaim(value: now.addingTimeInterval(exp)),
                              iat: IssuedAtClaim(value: now.addingTimeInterval(-5)), nonce: nonce, azp: nil, email: email,
                              emailVerified: try! JSONDecoder().decode(FlexibleBool.self, from: Data("true".utf8)), name: "Ivy")
            }
            let refused = "/#login_error=invalid_id_token"
            // Wrong nonce (a token from another sign-in), wrong audience, wrong issuer, expired.
            #expect(try await attempt([.status(200, body: jwks([(key1, "k1")]))]) { _ in try await signers.sign(claims("not-this-one"), kid: "k1") } == refused)
            #expect(try await attempt { try await signers.sign(claims($0, aud: ["another-app"]), kid: "k1") } == refused)
            #expect(try await attempt { try await signers.sign(claims($0, iss: "https://evil.example"), kid: "k1") } == refused)
            #expect(try await attempt { try await signers.sign(claims($0, exp: -600), kid: "k1") } == refused)
            // A tampered payload (another email) under a genuine signature.
            #expect(try await attempt { nonce in
                let parts = try await signers.sign(claims(nonce), kid: "k1").split(separator: ".").map(String.init)
                let forged = Base64URL.encode(try JSONEncoder().encode(claims(nonce, email: "admin@example.com")))
                return parts[0] + "." + forged + "." + parts[2]
            } == refused)
            // `alg: none` and a shared-secret HS256 token.
            #expect(try await attempt { nonce in
                Base64URL.encode(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + Base64URL.encode(try JSONEncoder().encode(claims(nonce))) + "."
            } == refused)
            #expect(try await attempt { try await signers.sign(claims($0), kid: "h1") } == refused)
            #expect(try await env.auth.user(email: "ivy@example.com") == nil, "nobody created by a refused token")
            // A genuine token works.
            let ok = try await attempt { try await signers.sign(claims($0), kid: "k1") }
            #expect(ok.hasPrefix("/#login_code="), "\(ok)")
            let failures = try await AuditRepository(env.store.pool).list(AuditQuery(action: "auth.oauth_failed", limit: 50))
            #expect(failures.count >= 7)
        }
        await idp.close()
    }
}
