import CairnAssets
import CairnCore
import Foundation
import HTTPTypes
import Hummingbird

/// Serves the pages compiled from Public/ with validators, gzip for clients that accept it, and a
/// strict CSP.
struct AssetRoutes {
    static let pagePolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'",
        "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    func register(on router: Router<CairnRequestContext>) {
        // Compress every file now (about 20 ms for 600 KB), not on the event loop of the first request.
        _ = ServedAsset.all
        router.get("/") { request, _ in try serve(path: "/", request: request) }
        // The router matches `/admin` and `/admin/` alike; only the bare form is redirected.
        router.get("/admin") { request, _ in
            if request.uri.path.hasSuffix("/") { return try serve(path: "/admin/", request: request) }
            return Response.redirect(to: "/admin/", type: .permanent)
        }
        // The router does not fall back from the `/admin` branch to `/**`: the console's own
        // files need their own route.
        router.get("/admin/**") { request, _ in try serve(path: request.uri.path, request: request) }
        router.get("/**") { request, _ in
            let path = request.uri.path
            if path == "/api" || path.hasPrefix("/api/") { throw CairnError(.notFound, "no route for this path") }
            return try serve(path: path, request: request)
        }
    }

    func serve(path: String, request: Request) throws -> Response {
        guard let file = ServedAsset.lookup(path) else { throw CairnError(.notFound, "no such page") }
        return file.response(
            to: request,
            headers: [
                .cacheControl: file.asset.contentType.hasPrefix("text/html") ? "no-cache" : "public, max-age=3600",
                .contentSecurityPolicy: Self.pagePolicy,
            ])
    }
}
