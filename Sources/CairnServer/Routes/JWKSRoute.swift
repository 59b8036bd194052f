import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird

/// `/.well-known/jwks.json`: the public keys that verify access tokens.
struct JWKSRoute {
    let auth: AuthService

    func register(on router: Router<CairnRequestContext>) {
        router.get("/.well-known/jwks.json") { _, _ in
            let data = try await auth.tokens.jwks()
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
