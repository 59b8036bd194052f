@testable import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Testing

@Suite("Token issue and verification")
struct TokenServiceTests {
    let clock = ManualClock()
    let user = UserID.generate()
    let session = SessionID.generate()

    /// Signing keys in a database of their own, in memory.
    static func keys() throws -> SigningKeyRepository { SigningKeyRepository(try InMemoryDatabase.make()) }

    func service(_ store: SigningKeyRepository? = nil, clock: ManualClock? = nil, issuer: String = "cairn", audience: String = "cairn") async throws -> TokenService {
        let service = TokenService(repository: try store ?? Self.keys(), clock: clock ?? self.clock,
                                   options: .init(issuer: issuer, audience: audience, leeway: 30, maximumLifetime: 86_400))
        try await service.prepare()
        return service
    }

    func issue(_ service: TokenService, _ type: TokenType = .access, lifetime: TimeInterval = 900) async throws -> String {
        try await service.issue(type, userID: user, sessionID: session, role: .user, lifetime: lifetime).token
    }

    func expectRejected(_ service: TokenService, _ token: String, as type: TokenType = .access, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await service.verify(token, as: type)
            Issue.record("token was accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .unauthenticated, sourceLocation: sourceLocation)
        }
    }

    static func segments(_ token: String) -> [String] { token.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
    static func json(_ segment: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Base64URL.decode(segment)!)) as? [String: Any] ?? [:]
    }
    static func encode(_ object: [String: Any]) -> String {
        Base64URL.encode(try! JSONSerialization.data(withJSONObject: object))
    }

    @Test func issuedTokensVerifyWithAllClaims() async throws {
        let service = try await service()
        let token = try await issue(service)
        let verified = try await service.verify(token, as: .access)
        #expect(verified.userID == user)
        #expect(verified.sessionID == session)
        #expect(verified.type == .access)
        let parts = Self.segments(token)
        let header = Self.json(parts[0])
        #expect(header["alg"] as? String == "EdDSA")
        #expect(header["kid"] as? String != nil)
        let claims = Self.json(parts[1])
        for claim in ["iss", "aud", "sub", "sid", "jti", "iat", "exp", "typ", "role"] {
            #expect(claims[claim] != nil, "missing \(claim)")
        }
        #expect(claims["typ"] as? String == "access")
    }

    @Test func typesAreNeverConfused() async throws {
        let service = try await service()
        await expectRejected(service, try await issue(service, .access), as: .refresh)
        await expectRejected(service, try await issue(service, .refresh), as: .access)
        _ = try await service.verify(try await issue(service, .refresh), as: .refresh)
    }

    @Test func expiryHonoursTheLeeway() async throws {
        let service = try await service()
        let token = try await issue(service, lifetime: 60)
        clock.advance(by: 60 + 29)
        _ = try await service.verify(token, as: .access)
        clock.advance(by: 2)
        await expectRejected(service, token)
    }

    @Test func notYetValidIsRejected() async throws {
        let store = try Self.keys()
        let future = ManualClock(clock.now().addingTimeInterval(3600))
        let issuer = try await service(store, clock: future)
        let verifier = try await service(store)
        await expectRejected(verifier, try await issue(issuer))
    }

    @Test func wrongIssuerOrAudienceIsRejected() async throws {
        let store = try Self.keys()
        let verifier = try await service(store)
        await expectRejected(verifier, try await issue(try await service(store, issuer: "someone-else")))
        await expectRejected(verifier, try await issue(try await service(store, audience: "another-api")))
    }

    @Test func tokensFromAnotherKeyAreRejected() async throws {
        let mine = try await service()
        let theirs = try await service(try Self.keys())
        await expectRejected(mine, try await issue(theirs))
        // Same kid as ours, but signed by their key: the signature fails.
        let myKid = Self.json(Self.segments(try await issue(mine))[0])["kid"] as! String
        let forged = Self.segments(try await issue(theirs))
        var header = Self.json(forged[0])
        header["kid"] = myKid
        await expectRejected(mine, [Self.encode(header), forged[1], forged[2]].joined(separator: "."))
    }

    @Test func algorithmOtherThanEdDSAIsRejected() async throws {
        let service = try await service()
        let parts = Self.segments(try await issue(service))
        var header = Self.json(parts[0])
        for alg in ["none", "HS256", "RS256", "ES256", "eddsa"] {
            header["alg"] = alg
            let encoded = Self.encode(header)
            await expectRejected(service, [encoded, parts[1], parts[2]].joined(separator: "."))
            await expectRejected(service, [encoded, parts[1], ""].joined(separator: "."))
        }
        header.removeValue(forKey: "alg")
        await expectRejected(service, [Self.encode(header), parts[1], parts[2]].joined(separator: "."))
    }

    @Test func unknownOrMissingKidIsRejected() async throws {
        let service = try await service()
        let parts = Self.segments(try await issue(service))
        var header = Self.json(parts[0])
        header["kid"] = "k-not-ours"
        await expectRejected(service, [Self.encode(header), parts[1], parts[2]].joined(separator: "."))
        header.removeValue(forKey: "kid")
        await expectRejected(service, [Self.encode(header), parts[1], parts[2]].joined(separator: "."))
    }

    @Test func tamperingAnyPartIsRejected() async throws {
        let service = try await service()
        let parts = Self.segments(try await issue(service))
        var claims = Self.json(parts[1])
        claims["role"] = "admin"
        await expectRejected(service, [parts[0], Self.encode(claims), parts[2]].joined(separator: "."))
        claims = Self.json(parts[1])
        claims["exp"] = (claims["exp"] as! Double) + 86_400
        await expectRejected(service, [parts[0], Self.encode(claims), parts[2]].joined(separator: "."))
        var signature = Array(parts[2])
        signature[5] = signature[5] == "A" ? "B" : "A"
        await expectRejected(service, [parts[0], parts[1], String(signature)].joined(separator: "."))
    }

    @Test(arguments: ["", "abc", "a.b", "a.b.c", "a.b.c.d.e", "..", "eyJ.eyJ.!!!", " . . ", String(repeating: "a", count: 9000)])
    func malformedStructureIsRejected(token: String) async throws {
        await expectRejected(try await service(), token)
    }

    @Test func extraSegmentsAreRejected() async throws {
        let service = try await service()
        let token = try await issue(service)
        await expectRejected(service, token + ".extra.more")
        await expectRejected(service, token + ".")
    }

    @Test func rotationKeepsOldTokensValidAndSignsWithTheNewKey() async throws {
        let store = try Self.keys()
        let service = try await service(store)
        let before = try await issue(service)
        let newKid = try await service.rotate()
        let after = try await issue(service)
        #expect(Self.json(Self.segments(after)[0])["kid"] as? String == newKid)
        _ = try await service.verify(before, as: .access)
        _ = try await service.verify(after, as: .access)
        let jwks = try JSONSerialization.jsonObject(with: try await service.jwks()) as? [String: Any]
        let keys = jwks?["keys"] as? [[String: Any]] ?? []
        #expect(keys.count == 2)
        #expect(keys.allSatisfy { $0["kty"] as? String == "OKP" && $0["crv"] as? String == "Ed25519" && $0["d"] == nil })
    }
}
