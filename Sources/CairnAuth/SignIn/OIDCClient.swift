import AsyncHTTPClient
import CairnCore
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Talks to sign-in providers over HTTPS (or loopback HTTP in tests): OpenID discovery, the
/// code exchange, JWKS (cached, refetched when a token names an unknown key) and the GitHub
/// user API. Every call goes through the provider's circuit breaker and has a timeout.
///
///     let client = OIDCClient()
///     let endpoints = try await client.discover(issuer: "https://accounts.google.com", breaker: breaker)
final class OIDCClient: Sendable {
    /// Endpoints from `/.well-known/openid-configuration`.
    struct Endpoints: Sendable, Decodable {
        let issuer: String
        let authorizationEndpoint: String
        let tokenEndpoint: String
        let userinfoEndpoint: String?
        let jwksURI: String

        enum CodingKeys: String, CodingKey {
            case issuer
            case authorizationEndpoint = "authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
            case userinfoEndpoint = "userinfo_endpoint"
            case jwksURI = "jwks_uri"
        }
    }

    /// What a token endpoint answers.
    struct Tokens: Sendable, Decodable {
        let accessToken: String?
        let idToken: String?
        let error: String?
        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case idToken = "id_token"
            case error
        }
    }

    /// A provider-side problem, in words a person can act on; never a secret.
    struct Failure: Error, CustomStringConvertible {
        let code: String
        let description: String
    }

    static let timeout = TimeAmount.seconds(10)
    static let maxBody = 1 << 20
    static let cacheLifetime: TimeInterval = 3600
    /// Algorithms accepted for ID tokens: never `none`, never a shared-secret HS*.
    static let algorithms: Set<String> = ["RS256", "ES256", "EdDSA"]

    /// One client for the process (never shut down, like the model providers' client).
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: timeout))
        configuration.httpVersion = .http1Only
        configuration.connectionPool.retryConnectionEstablishment = false  // a provider that is down fails at once
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()
    private var http: HTTPClient { Self.http }
    private let discovered = Mutex<[String: (Endpoints, Date)]>([:])
    private let keySets = Mutex<[String: (keys: JWTKeyCollection, kids: Set<String>, at: Date, forced: Bool)]>([:])

    init() {}

    func discover(issuer: String, breaker: CircuitBreaker) async throws -> Endpoints {
        if let (endpoints, at) = discovered.withLock({ $0[issuer] }), Date().timeIntervalSince(at) < Self.cacheLifetime { return endpoints }
        let url = issuer.hasSuffix("/") ? issuer + ".well-known/openid-configuration" : issuer + "/.well-known/openid-configuration"
        let data = try await get(url, breaker: breaker)
        guard let endpoints = try? JSONDecoder().decode(Endpoints.self, from: data) else {
            throw Failure(code: "provider_misconfigured", description: "the provider's discovery document is not valid OpenID configuration")
        }
        // The discovery document must name the issuer it was fetched for (OpenID Discovery §4.3).
        guard endpoints.issuer.trimmingSuffix("/") == issuer.trimmingSuffix("/") else {
            throw Failure(code: "provider_misconfigured", description: "the provider's discovery document names another issuer")
        }
        discovered.withLock { $0[issuer] = (endpoints, Date()) }
        return endpoints
    }

    /// The authorization code for tokens (client_secret_basic for OIDC, form fields for GitHub).
    func exchange(
        tokenEndpoint: String, code: String, verifier: String, redirectURI: String, clientID: String, secret: String,
        secretInBody: Bool, breaker: CircuitBreaker
    ) async throws -> Tokens {
        var form = ["grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI, "code_verifier": verifier]
        var headers = [("Accept", "application/json"), ("Content-Type", "application/x-www-form-urlencoded")]
        if secretInBody {
            form["client_id"] = clientID
            form["client_secret"] = secret
        } else {
            let pair = Self.formEncode(clientID) + ":" + Self.formEncode(secret)
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        }
        let body = form.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.formEncode($0.value))" }.joined(separator: "&")
        let data = try await send(tokenEndpoint, method: .POST, headers: headers, body: body, breaker: breaker, acceptErrorBody: true)
        guard let tokens = try? JSONDecoder().decode(Tokens.self, from: data) else {
            throw Failure(code: "provider_error", description: "the provider's token answer could not be read")
        }
        if let error = tokens.error { throw Failure(code: "provider_refused", description: "the provider refused the sign-in (\(error.prefix(80)))") }
        return tokens
    }

    /// Verifies an ID token: allowed algorithm, signature with the provider's JWKS (refetched
    /// once for an unknown key id), issuer, audience (and `azp` when there are several), expiry,
    /// issue time and nonce.
    func verify(
        idToken: String, jwksURI: String, issuer: String, clientID: String, nonce: String, now: Date,
        breaker: CircuitBreaker
    ) async throws -> IDTokenClaims {
        guard let algorithm = Self.algorithm(of: idToken), Self.algorithms.contains(algorithm) else {
            throw Failure(code: "invalid_id_token", description: "the ID token is not signed with an accepted algorithm (RS256, ES256, EdDSA)")
        }
        var claims: IDTokenClaims
        do {
            var keys = try await keys(jwksURI, breaker: breaker, refresh: false)
            // A key id the cached set does not hold: the provider rotated its keys; fetch once more.
            if let kid = Self.header(of: idToken)?["kid"] as? String, !keys.kids.contains(kid) {
                keys = try await self.keys(jwksURI, breaker: breaker, refresh: true)
            }
            claims = try await keys.keys.verify(idToken, as: IDTokenClaims.self)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(code: "invalid_id_token", description: "the ID token's signature does not verify")
        }
        try Self.check(claims, issuer: issuer, clientID: clientID, nonce: nonce, now: now)
        return claims
    }

    /// The claim rules of OpenID Connect Core §3.1.3.7, with a minute of clock skew.
    static func check(_ claims: IDTokenClaims, issuer: String, clientID: String, nonce: String, now: Date) throws {
        let leeway: TimeInterval = 60
        func fail(_ why: String) -> Failure { Failure(code: "invalid_id_token", description: why) }
        guard claims.iss.trimmingSuffix("/") == issuer.trimmingSuffix("/") else { throw fail("the ID token is from another issuer") }
        guard claims.aud.value.contains(clientID) else { throw fail("the ID token is for another client") }
        if claims.aud.value.count > 1, claims.azp != clientID { throw fail("the ID token's authorized party is another client") }
        guard claims.exp.value.addingTimeInterval(leeway) > now else { throw fail("the ID token has expired") }
        guard claims.iat.value.addingTimeInterval(-leeway) <= now else { throw fail("the ID token is issued in the future") }
        guard claims.nonce == nonce else { throw fail("the ID token's nonce does not match this sign-in") }
    }

    /// A JSON document from a provider API with a bearer token (userinfo, GitHub's user API).
    func getJSON(_ url: String, bearer: String, breaker: CircuitBreaker) async throws -> Data {
        try await send(
            url, method: .GET, headers: [("Authorization", "Bearer \(bearer)"), ("Accept", "application/json"), ("User-Agent", "cairn")],
            body: nil, breaker: breaker, acceptErrorBody: false)
    }

    /// The provider's keys and their ids, cached an hour. A forced refresh (a token names an
    /// unknown key) happens at most once per 10 s, so such tokens cannot make Cairn hammer the
    /// provider.
    private func keys(_ uri: String, breaker: CircuitBreaker, refresh: Bool) async throws -> (keys: JWTKeyCollection, kids: Set<String>) {
        if let cached = keySets.withLock({ $0[uri] }) {
            let age = Date().timeIntervalSince(cached.at)
            if (!refresh && age < Self.cacheLifetime) || (refresh && cached.forced && age < 10) { return (cached.keys, cached.kids) }
        }
        let data = try await get(uri, breaker: breaker)
        let keys = JWTKeyCollection()
        do {
            _ = try await keys.add(jwksJSON: String(decoding: data, as: UTF8.self))
        } catch {
            throw Failure(code: "provider_misconfigured", description: "the provider's key set (JWKS) could not be read")
        }
        let listed = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["keys"] as? [[String: Any]] ?? []
        let kids = Set(listed.compactMap { $0["kid"] as? String })
        keySets.withLock { $0[uri] = (keys, kids, Date(), refresh) }
        return (keys, kids)
    }

    private func get(_ url: String, breaker: CircuitBreaker) async throws -> Data {
        try await send(url, method: .GET, headers: [("Accept", "application/json")], body: nil, breaker: breaker, acceptErrorBody: false)
    }

    private func send(
        _ url: String, method: HTTPMethod, headers: [(String, String)], body: String?, breaker: CircuitBreaker,
        acceptErrorBody: Bool
    ) async throws -> Data {
        let permit: CircuitBreaker.Permit
        do {
            permit = try breaker.acquire()
        } catch {
            throw Failure(code: "provider_unavailable", description: "the sign-in provider is not answering; try again in a minute")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        do {
            let response = try await http.execute(request, timeout: Self.timeout)
            let bytes = try await response.body.collect(upTo: Self.maxBody)
            let ok = (200..<300).contains(response.status.code)
            breaker.record(permit, response.status.code >= 500 ? .failure : .success)
            guard ok || (acceptErrorBody && [400, 401].contains(response.status.code)) else {
                throw Failure(
                    code: response.status.code >= 500 ? "provider_unavailable" : "provider_error",
                    description: "the sign-in provider answered \(response.status.code)")
            }
            return Data(bytes.readableBytesView)
        } catch let failure as Failure {
            throw failure
        } catch {
            breaker.record(permit, .failure)
            throw Failure(code: "provider_unavailable", description: "the sign-in provider could not be reached")
        }
    }

    /// The `alg` of a compact JWS header, or nil.
    static func algorithm(of token: String) -> String? { header(of: token)?["alg"] as? String }

    /// A compact JWS header as JSON, or nil.
    static func header(of token: String) -> [String: Any]? {
        guard token.utf8.count < 16_384, let head = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let data = Base64URL.decode(String(head))
        else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
