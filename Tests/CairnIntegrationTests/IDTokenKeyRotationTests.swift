@testable import CairnAuth
import CairnCore
import CairnServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Testing

/// A provider that rotates its signing key: the first token naming a key the cached key set
/// lacks makes Cairn fetch the set once more; a second unknown key within 10 s does not (tokens
/// naming made-up keys cannot make Cairn hammer the provider).
struct IDTokenKeyRotationTests {
    static func jwks(_ keys: [(ES256PrivateKey, String)]) -> String {
        let items = keys.map { key, kid -> String in
            let p = key.publicKey.parameters!
            return #"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(p.x)","y":"\#(p.y)"}"#
        }
        return #"{"keys":[\#(items.joined(separator: ","))]}"#
    }

    @Test func anUnknownKeyIDRefetchesTheKeySetOnce() async throws {
        let idp = try await FakeVendor()
        let issuer = "http://127.0.0.1:\(idp.port)"
        let old = ES256PrivateKey(), new = ES256PrivateKey(), stray = ES256PrivateKey()
        let signers = JWTKeyCollection()
        await signers.add(ecdsa: old, kid: "old")
        await signers.add(ecdsa: new, kid: "new")
        await signers.add(ecdsa: stray, kid: "stray")
        let now = Date()
        @Sendable func claims(_ nonce: String) -> IDTokenClaims {
            IDTokenClaims(iss: issuer, sub: "rex", aud: AudienceClaim(value: ["cairn"]), exp: ExpirationClaim(value: now.addingTimeInterval(300)),
                          iat: IssuedAtClaim(value: now.addingTimeInterval(-5)), nonce: nonce, azp: nil, email: "rex@example.com",
                          emailVerified: try! JSONDecoder().decode(FlexibleBool.self, from: Data("true".utf8)), name: "Rex")
        }
        try await TestServer().run { client, env in
            _ = try await env.auth.createAdmin(email: "admin@example.com", password: SignInTests.password, name: nil, origin: .commandLine, actor: "test")
            let admin = try #require(try await client.call(.post, "/api/auth/login", json: ["email": "admin@example.com", "password": SignInTests.password])
                .json()["access_token"] as? String)
            #expect(try await client.call(.put, "/api/admin/auth-providers/idp", json: ["type": "oidc", "issuer": issuer, "client_id": "cairn", "client_secret": "x"],
                                          token: admin).status == .created)
            idp.enqueue(.status(200, body: #"{"issuer":"\#(issuer)","authorization_endpoint":"\#(issuer)/authorize","token_endpoint":"\#(issuer)/token","jwks_uri":"\#(issuer)/jwks"}"#))
            let signIn = ScriptedIDTokenSignIn(client: client, idp: idp, provider: "idp")
            func jwksRequests() -> Int { idp.seen.paths.filter { $0 == "/jwks" }.count }

            // The key set is fetched with the first sign-in and then cached.
            let first = try await signIn.attempt([.status(200, body: Self.jwks([(old, "old")]))]) { try await signers.sign(claims($0), kid: "old") }
            #expect(first.hasPrefix("/#login_code="), "\(first)")
            let cached = try await signIn.attempt { try await signers.sign(claims($0), kid: "old") }
            #expect(cached.hasPrefix("/#login_code="), "\(cached)")
            #expect(jwksRequests() == 1)

            // The provider rotates: a token naming the new key makes Cairn fetch the set again.
            let rotated = try await signIn.attempt([.status(200, body: Self.jwks([(old, "old"), (new, "new")]))]) {
                try await signers.sign(claims($0), kid: "new")
            }
            #expect(rotated.hasPrefix("/#login_code="), "\(rotated)")
            #expect(jwksRequests() == 2, "\(idp.seen.paths)")

            // Another unknown key right after: refused without a third fetch (at most one per 10 s).
            let stranger = try await signIn.attempt { try await signers.sign(claims($0), kid: "stray") }
            #expect(stranger == "/#login_error=invalid_id_token")
            #expect(jwksRequests() == 2, "\(idp.seen.paths)")
        }
        await idp.close()
    }
}
