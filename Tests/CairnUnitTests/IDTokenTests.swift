@testable import CairnAuth
import Foundation
import JWTKit
import Testing

/// The ID-token rules a sign-in depends on: accepted algorithms only, and every claim checked.
@Suite("ID token checks")
struct IDTokenTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func claims(iss: String = "https://id.example", aud: [String] = ["cairn"], azp: String? = nil, exp: TimeInterval = 300,
                iat: TimeInterval = -10, nonce: String? = "n-1") -> IDTokenClaims {
        IDTokenClaims(iss: iss, sub: "s", aud: AudienceClaim(value: aud), exp: ExpirationClaim(value: now.addingTimeInterval(exp)),
                      iat: IssuedAtClaim(value: now.addingTimeInterval(iat)), nonce: nonce, azp: azp, email: nil, emailVerified: nil, name: nil)
    }

    func passes(_ claims: IDTokenClaims) -> Bool {
        (try? OIDCClient.check(claims, issuer: "https://id.example/", clientID: "cairn", nonce: "n-1", now: now)) != nil
    }

    @Test func everyClaimIsChecked() {
        #expect(passes(claims()))
        #expect(!passes(claims(iss: "https://evil.example")))
        #expect(!passes(claims(aud: ["someone-else"])))
        #expect(!passes(claims(aud: ["cairn", "other"])), "several audiences need azp")
        #expect(passes(claims(aud: ["cairn", "other"], azp: "cairn")))
        #expect(!passes(claims(aud: ["cairn", "other"], azp: "other")))
        #expect(!passes(claims(exp: -61)), "expired beyond the skew")
        #expect(passes(claims(exp: -30)), "within a minute of skew")
        #expect(!passes(claims(iat: 120)), "issued in the future")
        #expect(!passes(claims(nonce: "replayed")))
        #expect(!passes(claims(nonce: nil)))
    }

    @Test func onlyAsymmetricAlgorithmsAreAccepted() {
        func token(_ header: String) -> String { Base64URL.encode(Data(header.utf8)) + ".e30.sig" }
        #expect(OIDCClient.algorithm(of: token(#"{"alg":"RS256","kid":"k"}"#)) == "RS256")
        for alg in ["none", "HS256", "HS512", "RS1"] {
            let found = OIDCClient.algorithm(of: token(#"{"alg":"\#(alg)"}"#))
            #expect(found.map { !OIDCClient.algorithms.contains($0) } ?? true, "\(alg)")
        }
        #expect(OIDCClient.algorithm(of: "garbage") == nil)
        #expect(OIDCClient.algorithms == ["RS256", "ES256", "EdDSA"])
    }

    @Test func redirectsStayOnThisServer() {
        for good in ["/", "/admin/", "/a/b?c=d"] { #expect(SignInService.isLocalPath(good), "\(good)") }
        for bad in ["", "https://evil.example/", "//evil.example", "/\\evil", "/a#b", "/\n", "relative", "/" + String(repeating: "a", count: 600)] {
            #expect(!SignInService.isLocalPath(bad), "\(bad)")
        }
    }
}
