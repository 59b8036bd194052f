import CairnAssets
import HTTPTypes
import Hummingbird

/// `GET /api/openapi.json`: the OpenAPI 3.1 description of every HTTP route (Public/openapi.json,
/// compiled into the binary). A test compares it with the routes the router knows.
struct OpenAPIRoute {
    static let assetPath = "/openapi.json"

    func register(on router: Router<CairnRequestContext>) {
        router.get("/api/openapi.json") { _, _ in
            guard let asset = Assets.lookup(Self.assetPath) else { throw HTTPError(.notFound) }
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300", .eTag: asset.etag],
                body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
        }
    }
}
