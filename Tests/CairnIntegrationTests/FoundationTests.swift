import CairnCore
import CairnStore
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Foundation over a live loopback server")
struct FoundationTests {
    @Test func healthAndReadiness() async throws {
        try await TestServer().run { client, _ in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(try health.json()["status"] as? String == "ok")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            let body = try ready.json()
            #expect(body["status"] as? String == "ready")
            #expect(body["checks"] as? [String: String] == ["database": "ok", "migrations": "ok", "writable": "ok", "disk": "ok"])
        }
    }

    @Test func readinessFailsWhileTheDatabaseCannotBeWritten() async throws {
        let server = try TestServer()
        try await server.run { client, _ in
            // Another connection takes the write lock and keeps it: the database is open but unwritable.
            var config = Configuration()
            config.allowsUnsafeTransactions = true
            let locker = try DatabaseQueue(path: server.databasePath, configuration: config)
            try await locker.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
            let blocked = try await client.execute(uri: "/readyz", method: .get)
            #expect(blocked.status == .serviceUnavailable)
            let body = try blocked.json()
            #expect(body["status"] as? String == "unavailable")
            let checks = body["checks"] as? [String: String]
            #expect(checks?["database"] == "ok")
            #expect(checks?["writable"]?.hasPrefix("failed") == true)
            // Health is about the process, not the database.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            try await locker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            try locker.close()
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
    }

    @Test func embeddedPagesCarryTypeETagAndHonour304() async throws {
        try await TestServer().run { client, _ in
            for path in ["/", "/admin/"] {
                let page = try await client.execute(uri: path, method: .get)
                #expect(page.status == .ok)
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.text.lowercased().contains("<!doctype html>"))
                let etag = try #require(page.headers[.eTag])
                #expect(page.headers[.cacheControl] == "no-cache")
                #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                let again = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
                #expect(again.body.readableBytes == 0)
                let stale = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: "\"stale\""])
                #expect(stale.status == .ok)
            }
            let redirect = try await client.execute(uri: "/admin", method: .get)
            #expect(redirect.status == .movedPermanently)
            #expect(redirect.headers[.location] == "/admin/")
        }
    }

    @Test func everyFileAPageReferencesIsServed() async throws {
        try await TestServer().run { client, _ in
            for page in ["/", "/admin/"] {
                let html = try await client.execute(uri: page, method: .get).text
                let references = html.matches(of: /(?:src|href)="(\/[^"]+)"/).map { String($0.1) }
                #expect(references.contains { $0.hasSuffix(".js") }, "\(page) references no script")
                for reference in references {
                    let reply = try await client.execute(uri: reference, method: .get)
                    #expect(reply.status == .ok, "\(page) references \(reference): \(reply.status)")
                }
            }
        }
    }

    @Test func unknownPathsAreJSON404s() async throws {
        try await TestServer().run { client, _ in
            for path in ["/api/nothing-here", "/no-such-page.html", "/api"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(try response.errorCode() == "not_found")
            }
        }
    }

    @Test func oversizedBodiesGet413() async throws {
        try await TestServer(["server.body_limit_bytes": "2048"]).run { client, _ in
            let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 4096)
            let response = try await client.execute(uri: "/api/auth/login", method: .post,
                                                    headers: [.contentType: "application/json"], body: big)
            #expect(response.status == .contentTooLarge)
            #expect(try response.errorCode() == "payload_too_large")
        }
    }

    @Test func requestIdIsEchoedOrGenerated() async throws {
        try await TestServer().run { client, _ in
            let given = try await client.execute(uri: "/healthz", method: .get, headers: headers(["X-Request-Id": "trace-abc.123"]))
            #expect(given.headers[HTTPField.Name("X-Request-Id")!] == "trace-abc.123")
            let generated = try await client.execute(uri: "/healthz", method: .get)
            let id = try #require(generated.headers[HTTPField.Name("X-Request-Id")!])
            #expect(RequestID(id) != nil)
            // Hostile ids are replaced, never echoed.
            let hostile = try await client.execute(uri: "/healthz", method: .get, headers: headers(["X-Request-Id": "<script>"]))
            #expect(hostile.headers[HTTPField.Name("X-Request-Id")!] != "<script>")
        }
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        try await TestServer().run { client, _ in
            for path in ["/healthz", "/", "/api/missing"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[.contentSecurityPolicy] != nil)
            }
        }
    }

    @Test func storeRefusesForeignAndNewerFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let foreign = dir.appendingPathComponent("notes.txt").path
        let original = Data("these are not SQLite pages, just a text file that happens to be here".utf8)
        try original.write(to: URL(fileURLWithPath: foreign))
        #expect(throws: StoreOpenError.self) { try Store(path: foreign) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == original)

        let newer = dir.appendingPathComponent("newer.db").path
        let store = try Store(path: newer)
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')")
        }
        try store.close()
        do {
            _ = try Store(path: newer)
            Issue.record("a database from a newer Cairn must be refused")
        } catch let error as StoreOpenError {
            #expect(error.description.contains("newer version"))
        }
        // The refused file still holds exactly what it held.
        let check = try DatabaseQueue(path: newer)
        let migrations = try check.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        #expect(migrations.contains("v999-from-the-future"))
        try check.close()
    }

    @Test func storeAppliesPragmas() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-pragma-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try Store(path: dir.appendingPathComponent("p.db").path, synchronous: .full)
        let (journal, sync, fk) = try await store.pool.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(journal == "wal")
        #expect(sync == 2)
        #expect(fk == 1)
        // Lock waits are the BusyPolicy's (a callback, so `PRAGMA busy_timeout` reads 0): a writer
        // waits for another process's lock, then writes queued behind it give up at once.
        let short = try Store(path: dir.appendingPathComponent("p.db").path, busyTimeout: 1)
        let other = try DatabaseQueue(path: dir.appendingPathComponent("p.db").path)
        // Another connection holds the write lock for 3.5 s (GRDB allows no transaction left open, so it waits inside one).
        let holder = Task { try await other.writeWithoutTransaction { db in try db.inTransaction(.exclusive) { usleep(3_500_000); return .rollback } } }
        try await Task.sleep(for: .milliseconds(300))
        var waits: [Duration] = []
        for _ in 0..<3 {
            let started = ContinuousClock.now
            await #expect(throws: DatabaseError.self) {
                try await short.pool.write { db in try db.execute(sql: "INSERT INTO health_probe (id, at) VALUES (7, 0)") }
            }
            waits.append(ContinuousClock.now - started)
        }
        // Compared with the first write's own wait (the whole timeout), not with a wall-clock
        // bound: on a loaded machine every wait stretches, the ratio does not.
        #expect(waits[1] + waits[2] < waits[0], "the second and third writes waited the whole timeout again: \(waits)")
        try await holder.value
        try short.close()
        #expect(try store.appliedMigrations().first == "v1-foundation")
        try store.close()
    }
}
