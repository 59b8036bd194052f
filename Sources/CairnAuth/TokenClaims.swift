import CairnCore
import CairnStore
import Foundation
import JWTKit

/// The claims Cairn signs. Checks happen in `TokenService.verify`, which owns the clock.
struct TokenClaims: JWTPayload {
    var iss: IssuerClaim
    var aud: AudienceClaim
    var sub: SubjectClaim
    var sid: String
    var jti: IDClaim
    var iat: IssuedAtClaim
    var nbf: NotBeforeClaim
    var exp: ExpirationClaim
    var typ: String
    var role: String

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
