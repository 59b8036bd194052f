import Foundation
import JWTKit

/// The claims Cairn reads from an OpenID Connect ID token. Signature, algorithm, issuer,
/// audience, `azp`, expiry, issue time and nonce are checked by `OIDCClient.verify`.
struct IDTokenClaims: JWTPayload {
    let iss: String
    let sub: String
    let aud: AudienceClaim
    let exp: ExpirationClaim
    let iat: IssuedAtClaim
    let nonce: String?
    let azp: String?
    let email: String?
    /// Some providers send `"true"` as a string.
    let emailVerified: FlexibleBool?
    let name: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, azp, email, name
        case emailVerified = "email_verified"
    }

    /// Signature checks come first (jwt-kit); the claims are checked by the caller, which knows
    /// the issuer, client and nonce.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
