import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/api/admin/backups`: take, list, download and delete backups of the database.
struct AdminBackupRoutes {
    let backups: BackupService

    struct BackupBody: Encodable {
        let id: String, createdAt: Date, sizeBytes: Int64, durationMs: Int, verified: Bool, gzip: Bool, trigger: String
        let createdBy: String?, error: String?, fileExists: Bool, file: String
        init(_ record: BackupRecord, fileExists: Bool) {
            id = record.id.rawValue
            createdAt = record.createdAt
            sizeBytes = record.sizeBytes
            durationMs = record.durationMs
            verified = record.verified
            gzip = record.gzip
            trigger = record.trigger.rawValue
            createdBy = record.createdBy
            error = record.error
            self.fileExists = fileExists
            file = (record.path as NSString).lastPathComponent
        }
    }
    struct ListBody: Encodable { let items: [BackupBody] }
    struct CreateBody: Decodable { let gzip: Bool? }

    func register(on admin: RouterGroup<CairnRequestContext>) {
        admin.post("/backups") { request, context in
            let body =
                request.headers[.contentLength].map { $0 != "0" } ?? false
                ? try await APIJSON.decode(CreateBody.self, from: request, context: context) : CreateBody(gzip: nil)
            let record = try await backups.create(
                trigger: .manual, by: try context.requirePrincipal().userID.rawValue,
                origin: request.origin(context), gzip: body.gzip ?? false)
            return try APIJSON.response(BackupBody(record, fileExists: true), status: .created)
        }
        admin.get("/backups") { _, _ in
            try APIJSON.response(ListBody(items: try await backups.list().map { BackupBody($0.record, fileExists: $0.fileExists) }))
        }
        admin.get("/backups/:id/download") { request, context in
            let id = try context.pathID(as: BackupID.self, what: "backup")
            guard let record = try await backups.find(id), record.error == nil else { throw CairnError.notFound("backup") }
            let asked = request.uri.queryParameters["gzip"].map(String.init)
            guard asked == nil || asked == "true" || asked == "false" else { throw CairnError.validation(["gzip": "must be true or false"]) }
            let compress = asked == "true" && !record.gzip
            guard let reader = try? GzipFile.ChunkReader(path: record.path, gzip: compress) else { throw CairnError.notFound("backup") }
            let name = (record.path as NSString).lastPathComponent + (compress ? ".gz" : "")
            let body = ResponseBody { [reader = UncheckedReader(reader)] writer in
                while let pieces = try reader.value.next() {
                    for piece in pieces { try await writer.write(piece) }
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: (record.gzip || compress) ? "application/gzip" : "application/vnd.sqlite3",
                    .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store",
                ],
                body: body)
        }
        admin.delete("/backups/:id") { request, context in
            try await backups.delete(
                try context.pathID(as: BackupID.self, what: "backup"), by: try context.requirePrincipal().userID.rawValue,
                origin: request.origin(context))
            return Response(status: .noContent)
        }
    }
}

/// The response body owns the reader alone, on one task at a time.
private struct UncheckedReader: @unchecked Sendable {
    let value: GzipFile.ChunkReader
    init(_ value: GzipFile.ChunkReader) { self.value = value }
}
