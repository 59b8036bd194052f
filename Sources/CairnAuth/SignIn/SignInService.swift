import CairnCore
import CairnStore
import Crypto
import Foundation

/// Sign-in through OpenID Connect and OAuth providers: the authorization-code flow with PKCE
/// (S256), `state` (server-side, single use, 10 minutes, bound to the browser by a cookie) and
/// `nonce`; the code exchanged and the ID token verified; then the user found by the linked
/// identity or by a verified email, or created; and a one-time login code (60 s) that the page
/// exchanges for the usual token pair. Tokens never travel in a URL.
///
/// ```swift
/// let signIn = SignInService(auth: auth, repository: repositories.signInProviders, breakers: breakers)
/// let start = try await signIn.begin(provider: "google", redirect: "/", callback: url, origin: origin)
/// // browser → provider → callback
/// let done = try await signIn.complete(provider: "google", query: query, browserToken: cookie, callback: url, origin: origin)
/// ```
public final class SignInService: Sendable {
    let auth: AuthService
    let repository: SignInProviderRepository
    let breakers: BreakerRegistry
    let client = OIDCClient()

    static let stateLifetime: TimeInterval = 600
    static let loginCodeLifetime: TimeInterval = 60
    static let googleIssuer = "https://accounts.google.com"

    public init(auth: AuthService, repository: SignInProviderRepository, breakers: BreakerRegistry) {
        self.auth = auth
        self.repository = repository
        self.breakers = breakers
    }

    /// The breaker guarding one provider's calls.
    public static func breakerName(_ provider: String) -> String { "auth:\(provider)" }

    /// Where a sign-in starts: the provider's authorization URL and the browser binding to set
    /// as a cookie.
    public struct Start: Sendable {
        public let url: String
        public let browserToken: String
    }

    /// How a callback ended: where to send the browser, with `#login_code=` or `#login_error=`.
    public struct Completion: Sendable {
        public let location: String
    }

    /// A callback that cannot be tied to a sign-in this browser started: answered 400, with no
    /// redirect (its target cannot be trusted).
    public struct BadState: Error, CustomStringConvertible {
        public let description: String
    }

    public func providers() async throws -> [SignInProviderRecord] { try await repository.all() }

    public func begin(provider id: String, redirect: String, callback: String, origin: RequestOrigin) async throws -> Start {
        guard let provider = try await repository.find(id) else { throw CairnError.notFound("sign-in provider") }
        guard Self.isLocalPath(redirect) else {
            throw CairnError.validation(["redirect": "must be a path on this server, such as / or /admin/"])
        }
        let state = Base64URL.random(bytes: 32)
        let verifier = Base64URL.random(bytes: 32)
        let nonce = Base64URL.random(bytes: 16)
        let browser = Base64URL.random(bytes: 32)
        let authorize = try await authorizationEndpoint(provider)
        try await repository.saveState(
            hash: AuthService.digest(state),
            OAuthState(provider: id, codeVerifier: verifier, nonce: nonce, redirect: redirect, browserHash: AuthService.digest(browser)),
            expires: auth.clock.now().addingTimeInterval(Self.stateLifetime))
        let challenge = Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
        var query = [
            ("response_type", "code"), ("client_id", provider.clientID), ("redirect_uri", callback),
            ("scope", provider.scopes.joined(separator: " ")),
            ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        if provider.type != "github" { query.append(("nonce", nonce)) }
        let separator = authorize.contains("?") ? "&" : "?"
        return Start(
            url: authorize + separator + query.map { "\($0.0)=\(OIDCClient.formEncode($0.1))" }.joined(separator: "&"), browserToken: browser)
    }

    public func complete(
        provider id: String, code: String?, state: String?, error: String?, browserToken: String?, callback: String,
        origin: RequestOrigin
    ) async throws -> Completion {
        guard let state, state.utf8.count <= 200, let saved = try await repository.takeState(hash: AuthService.digest(state), now: auth.clock.now())
        else {
            await auth.audit.record(
                "auth.oauth_failed", actor: nil, target: id, origin: origin, details: ["reason": "unknown, used or expired state"])
            throw BadState(description: "this sign-in link is unknown, already used or expired; start the sign-in again")
        }
        guard saved.provider == id, let browserToken, AuthService.constantTimeEqual(AuthService.digest(browserToken), saved.browserHash) else {
            await auth.audit.record(
                "auth.oauth_failed", actor: nil, target: id, origin: origin, details: ["reason": "state not started by this browser"])
            throw BadState(description: "this sign-in was not started in this browser; start it again")
        }
        func fail(_ code: String, _ reason: String) async -> Completion {
            await auth.audit.record("auth.oauth_failed", actor: nil, target: id, origin: origin, details: ["reason": reason, "code": code])
            return Completion(location: saved.redirect + "#login_error=" + OIDCClient.formEncode(code))
        }
        if let error { return await fail(error == "access_denied" ? "access_denied" : "provider_refused", "provider answered \(error.prefix(80))") }
        guard let code, !code.isEmpty, code.utf8.count <= 2048 else { return await fail("provider_refused", "no code in the callback") }
        guard let provider = try await repository.find(id) else { return await fail("provider_removed", "the provider was removed") }
        do {
            let identity = try await identify(provider, code: code, saved: saved, callback: callback)
            let user = try await resolveUser(provider, identity, origin: origin)
            guard user.status == .active else {
                return await fail(user.status == .pending ? "pending_approval" : "account_disabled", "account \(user.status.rawValue)")
            }
            let loginCode = Base64URL.random(bytes: 32)
            try await repository.saveLoginCode(
                hash: AuthService.digest(loginCode), user: user.id, provider: id,
                expires: auth.clock.now().addingTimeInterval(Self.loginCodeLifetime))
            await auth.audit.record("auth.oauth_login", actor: user.id.rawValue, target: user.id.rawValue, origin: origin, details: ["provider": id])
            return Completion(location: saved.redirect + "#login_code=" + loginCode)
        } catch let failure as OIDCClient.Failure {
            return await fail(failure.code, failure.description)
        } catch let refusal as SignInRefusal {
            return await fail(refusal.code, refusal.reason)
        }
    }

    /// The one-time login code for a token pair.
    public func exchange(loginCode: String, origin: RequestOrigin) async throws -> AuthSuccess {
        guard loginCode.utf8.count <= 200, let found = try await repository.takeLoginCode(hash: AuthService.digest(loginCode), now: auth.clock.now()),
            let user = try await auth.users.find(id: found.user), user.status == .active
        else {
            throw CairnError(.unauthenticated, "this login code is invalid, used or expired; sign in again")
        }
        try await auth.users.recordSuccessfulLogin(id: user.id, at: auth.clock.now())
        await auth.audit.record(
            "auth.login", actor: user.id.rawValue, target: user.id.rawValue, origin: origin, details: ["method": "oauth", "provider": found.provider])
        return try await auth.startSession(for: user, origin: origin)
    }

    // MARK: Steps

    /// Who the provider says signed in.
    struct Identity {
        let subject: String
        let email: String?
        let emailVerified: Bool
        let name: String?
    }

    /// Why a verified identity may not sign in.
    struct SignInRefusal: Error {
        let code: String
        let reason: String
    }

    func authorizationEndpoint(_ provider: SignInProviderRecord) async throws -> String {
        if provider.type == "github" { return Self.githubBase(provider) + "/login/oauth/authorize" }
        do {
            return try await client.discover(issuer: Self.issuer(provider), breaker: breaker(provider)).authorizationEndpoint
        } catch let failure as OIDCClient.Failure {
            throw CairnError(.unavailable, "sign-in with \(provider.name) is unavailable: \(failure.description)", retryAfter: 30)
        }
    }

    func identify(_ provider: SignInProviderRecord, code: String, saved: OAuthState, callback: String) async throws -> Identity {
        let breaker = breaker(provider)
        if provider.type == "github" {
            let base = Self.githubBase(provider)
            let tokens = try await client.exchange(
                tokenEndpoint: base + "/login/oauth/access_token", code: code, verifier: saved.codeVerifier,
                redirectURI: callback, clientID: provider.clientID, secret: provider.clientSecret,
                secretInBody: true, breaker: breaker)
            guard let access = tokens.accessToken else {
                throw OIDCClient.Failure(code: "provider_refused", description: "GitHub issued no access token")
            }
            let api = provider.issuer == nil ? "https://api.github.com" : base + "/api/v3"
            let user =
                try JSONSerialization.jsonObject(with: try await client.getJSON(api + "/user", bearer: access, breaker: breaker)) as? [String: Any]
            guard let id = user?["id"].map({ "\($0)" }) else {
                throw OIDCClient.Failure(code: "provider_error", description: "GitHub's user answer has no id")
            }
            // GitHub issues no ID token: the primary verified address comes from its emails API.
            let emails =
                try JSONSerialization.jsonObject(with: try await client.getJSON(api + "/user/emails", bearer: access, breaker: breaker))
                as? [[String: Any]] ?? []
            let primary = emails.first { $0["primary"] as? Bool == true } ?? emails.first
            return Identity(
                subject: id, email: primary?["email"] as? String, emailVerified: primary?["verified"] as? Bool == true,
                name: (user?["name"] as? String) ?? (user?["login"] as? String))
        }
        let endpoints = try await client.discover(issuer: Self.issuer(provider), breaker: breaker)
        let tokens = try await client.exchange(
            tokenEndpoint: endpoints.tokenEndpoint, code: code, verifier: saved.codeVerifier, redirectURI: callback,
            clientID: provider.clientID, secret: provider.clientSecret, secretInBody: false, breaker: breaker)
        guard let idToken = tokens.idToken else { throw OIDCClient.Failure(code: "invalid_id_token", description: "the provider issued no ID token") }
        let claims = try await client.verify(
            idToken: idToken, jwksURI: endpoints.jwksURI, issuer: endpoints.issuer, clientID: provider.clientID,
            nonce: saved.nonce, now: auth.clock.now(), breaker: breaker)
        var email = claims.email
        var verified = claims.emailVerified?.value ?? false
        var name = claims.name
        if email == nil, let userinfo = endpoints.userinfoEndpoint, let access = tokens.accessToken,
            let info = try? JSONSerialization.jsonObject(with: try await client.getJSON(userinfo, bearer: access, breaker: breaker))
                as? [String: Any],
            info["sub"] as? String == claims.sub
        {
            email = info["email"] as? String
            verified = info["email_verified"] as? Bool ?? ((info["email_verified"] as? String)?.lowercased() == "true")
            name = name ?? info["name"] as? String
        }
        return Identity(subject: claims.sub, email: email, emailVerified: verified, name: name)
    }

    /// The linked user; else the user with this verified email (then linked); else a new user
    /// as the registration mode allows. An unverified email never takes over an account.
    func resolveUser(_ provider: SignInProviderRecord, _ identity: Identity, origin: RequestOrigin) async throws -> UserRecord {
        let now = auth.clock.now()
        if let linked = try await repository.linkedUser(provider: provider.id, subject: identity.subject),
            let user = try await auth.users.find(id: linked)
        {
            return user
        }
        guard let raw = identity.email, identity.emailVerified else {
            throw SignInRefusal(code: "email_not_verified", reason: "the provider did not confirm an email address for this account")
        }
        let email = EmailAddress.normalize(raw)
        guard EmailAddress.isValid(email) else {
            throw SignInRefusal(code: "email_not_verified", reason: "the provider's email address is not valid")
        }
        if let existing = try await auth.users.find(emailNormalized: email) {
            try await repository.link(provider: provider.id, subject: identity.subject, user: existing.id, email: email, at: now)
            await auth.audit.record(
                "auth.identity_linked", actor: existing.id.rawValue, target: existing.id.rawValue, origin: origin,
                details: ["provider": provider.id])
            return existing
        }
        let mode = auth.settings.snapshot[.authRegistration]
        guard mode != "closed" else { throw SignInRefusal(code: "registration_closed", reason: "registration is closed") }
        let user = UserRecord(
            id: .generate(now: now), email: email, name: String((identity.name ?? "").prefix(100)), passwordHash: nil,
            role: .user, status: mode == "approval" ? .pending : .active, authProvider: provider.id, createdAt: now)
        try await auth.users.create(user, emailNormalized: email)
        try await repository.link(provider: provider.id, subject: identity.subject, user: user.id, email: email, at: now)
        await auth.audit.record(
            "auth.register", actor: user.id.rawValue, target: user.id.rawValue, origin: origin,
            details: ["provider": provider.id, "status": user.status.rawValue])
        return user
    }

    func breaker(_ provider: SignInProviderRecord) -> CircuitBreaker { breakers.breaker(Self.breakerName(provider.id)) }

    static func issuer(_ provider: SignInProviderRecord) -> String {
        provider.type == "google" ? (provider.issuer ?? googleIssuer) : (provider.issuer ?? "")
    }

    static func githubBase(_ provider: SignInProviderRecord) -> String { (provider.issuer ?? "https://github.com").trimmingSuffix("/") }

    /// A path on this server: `/…`, never `//host` or a scheme, at most 512 bytes, no controls.
    static func isLocalPath(_ path: String) -> Bool {
        guard path.hasPrefix("/"), !path.hasPrefix("//"), !path.hasPrefix("/\\"), path.utf8.count <= 512 else { return false }
        return !path.unicodeScalars.contains { $0.value < 0x21 || $0.value == 0x7F || $0 == "\\" || $0 == "#" }
    }
}
