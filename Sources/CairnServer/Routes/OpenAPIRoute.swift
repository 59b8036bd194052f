import CairnAssets
import HTTPTypes
import Hummingbird

/// `GET /api/openapi.json`: the OpenAPI 3.1 description of every HTTP route (Public/openapi.json,
/// compiled into the binary). A test compares it with the routes the router knows.
struct OpenAPIRoute {
    static let assetPath = "/openapi.json"

    func register(on router: Router<CairnRequestContext>) {
        router.get("/api/openapi.json") { request, _ in
            guard let file = ServedAsset.lookup(Self.assetPath) else { throw HTTPError(.notFound) }
            return file.response(to: request, headers: [.cacheControl: "public, max-age=300"])
        }
    }
}
