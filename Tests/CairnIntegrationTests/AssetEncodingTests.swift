import CompressNIO
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The embedded pages over the wire: gzip for a client that accepts it (the same bytes once
/// inflated, fewer of them), the bytes as they are for one that does not, a separate ETag per
/// representation and `Vary: Accept-Encoding` on both.
@Suite("Embedded files are sent compressed when the client accepts gzip")
struct AssetEncodingTests {
    static let files = ["/", "/app.js", "/style.css", "/admin/", "/api/openapi.json"]

    @Test func aClientThatAcceptsGzipGetsTheSameBytesCompressed() async throws {
        try await TestServer().run { client, _ in
            for path in Self.files {
                let plain = try await client.execute(uri: path, method: .get)
                #expect(plain.status == .ok)
                #expect(plain.headers[.contentEncoding] == nil, "\(path)")
                #expect(plain.headers[.vary] == "Accept-Encoding", "\(path)")
                let packed = try await client.execute(uri: path, method: .get, headers: [.acceptEncoding: "gzip, deflate, br, zstd"])
                #expect(packed.status == .ok)
                #expect(packed.headers[.contentEncoding] == "gzip", "\(path)")
                #expect(packed.headers[.vary] == "Accept-Encoding", "\(path)")
                #expect(packed.headers[.contentType] == plain.headers[.contentType], "\(path)")
                #expect(packed.body.readableBytes * 2 < plain.body.readableBytes, "\(path): \(packed.body.readableBytes) of \(plain.body.readableBytes)")
                #expect(packed.headers[.contentLength] == String(packed.body.readableBytes))
                var body = packed.body
                let inflated = try body.decompress(with: .gzip())
                #expect(inflated == plain.body, "\(path): the gzip body inflates to the plain one")
                let plainTag = try #require(plain.headers[.eTag])
                let packedTag = try #require(packed.headers[.eTag])
                #expect(plainTag != packedTag, "\(path): each representation has its own validator")
            }
        }
    }

    @Test func conditionalRequestsCompareTheRepresentationTheClientWouldGet() async throws {
        try await TestServer().run { client, _ in
            let gzip: HTTPFields = [.acceptEncoding: "gzip"]
            let packedTag = try #require(try await client.execute(uri: "/app.js", method: .get, headers: gzip).headers[.eTag])
            let plainTag = try #require(try await client.execute(uri: "/app.js", method: .get).headers[.eTag])
            let fresh = try await client.execute(uri: "/app.js", method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: packedTag])
            #expect(fresh.status == .notModified)
            #expect(fresh.body.readableBytes == 0)
            #expect(fresh.headers[.vary] == "Accept-Encoding")
            #expect(try await client.execute(uri: "/app.js", method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: "W/" + packedTag]).status == .notModified)
            // The tag of the other representation does not validate this one.
            let other = try await client.execute(uri: "/app.js", method: .get, headers: [.ifNoneMatch: packedTag])
            #expect(other.status == .ok)
            #expect(other.headers[.contentEncoding] == nil)
            #expect(try await client.execute(uri: "/app.js", method: .get, headers: [.ifNoneMatch: plainTag]).status == .notModified)
        }
    }

    @Test(arguments: ["gzip;q=0", "identity", "br, deflate", "*;q=0", "gzip;q=0, *", "", "x" + String(repeating: ",gzip", count: 300)])
    func aClientThatRefusesGzipGetsTheBytesAsTheyAre(acceptEncoding: String) async throws {
        try await TestServer().run { client, _ in
            let reply = try await client.execute(uri: "/app.js", method: .get, headers: [.acceptEncoding: acceptEncoding])
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentEncoding] == nil)
        }
    }
}
