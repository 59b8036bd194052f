import CairnAssets
import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An embedded file ready to send: its bytes as a buffer, and for text their gzip form, made once
/// per process on first use (best compression, paid once) and kept only when it is smaller.
/// Every response shares the buffers. The gzip form is its own representation with its own
/// ETag, and both carry `Vary: Accept-Encoding`, so no cache hands one to a client that asked
/// for the other.
///
/// ```swift
/// guard let file = ServedAsset.lookup("/app.js") else { throw CairnError(.notFound, "no such page") }
/// return file.response(to: request, headers: [.cacheControl: "public, max-age=3600"])
/// ```
struct ServedAsset: Sendable {
    let asset: Asset
    let identity: ByteBuffer
    let gzip: ByteBuffer?
    /// The ETag of the gzip form: the file's own with `-gzip` inside the quotes.
    let gzipETag: String

    /// Every embedded file by its path under Public/.
    static let all: [String: ServedAsset] = Assets.all.mapValues(ServedAsset.init)

    /// The file for a request path (a directory path serves its `index.html`).
    static func lookup(_ requestPath: String) -> ServedAsset? {
        Assets.lookup(requestPath).flatMap { all[$0.path] }
    }

    init(_ asset: Asset) {
        self.asset = asset
        identity = ByteBuffer(bytes: asset.bytes)
        gzip = Self.isText(asset.contentType) ? Self.compressed(asset.bytes) : nil
        gzipETag = String(asset.etag.dropLast()) + "-gzip\""
    }

    /// 200 with the file (gzip when the client accepts it and it is smaller), or 304 when the
    /// client's `If-None-Match` names the representation it would get. `headers` are added to both.
    func response(to request: Request, headers extra: HTTPFields) -> Response {
        var headers = extra
        let gzipped = gzip.flatMap { AcceptEncoding(request.headers[.acceptEncoding]).allowsGzip ? $0 : nil }
        let etag = gzipped == nil ? asset.etag : gzipETag
        headers[.eTag] = etag
        if gzip != nil { headers[.vary] = "Accept-Encoding" }
        if let condition = request.headers[.ifNoneMatch], Self.matches(condition, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        if gzipped != nil { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzipped ?? identity))
    }

    /// `If-None-Match` by weak comparison (RFC 9110 §13.1.2): `*`, or any listed tag equal to
    /// `etag` once a `W/` prefix is set aside.
    static func matches(_ condition: String, etag: String) -> Bool {
        condition.split(separator: ",").contains { element in
            let tag = element.trimmingCharacters(in: .whitespaces)
            return tag == "*" || (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
        }
    }

    static func isText(_ contentType: String) -> Bool {
        contentType.hasPrefix("text/") || contentType.hasPrefix("application/json") || contentType.hasPrefix("image/svg+xml")
    }

    static func compressed(_ bytes: [UInt8]) -> ByteBuffer? {
        var input = ByteBuffer(bytes: bytes)
        guard
            let packed = try? input.compress(with: .gzip, configuration: .init(compressionLevel: .bestCompression)),
            packed.readableBytes < bytes.count
        else { return nil }
        return packed
    }
}
