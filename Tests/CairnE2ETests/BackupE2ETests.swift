import Foundation
import Testing

/// `cairn backup` and `cairn restore` against the real binary, as an operator uses them.
@Suite("Backup and restore with the binary")
struct BackupE2ETests {
    @Test func aBackupTakenWhileServingRestoresToTheSameServer() async throws {
        let root = temporaryDirectory("backup")
        let live = root.appendingPathComponent("live").path
        let flags = ["--set", "auth.bcrypt_cost=4", "--set", "agents.offline_chunk_delay_ms=0"]
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", live] + flags)
        defer { server.terminate() }
        let http = HTTP(base: "http://127.0.0.1:\(try await server.waitForPort())")
        let registered = try await http.send("POST", "/api/auth/register", json: ["email": "keep@example.com", "password": "correct horse battery"])
        let token = try #require(registered.json["access_token"] as? String)
        let thread = try await http.send("POST", "/api/threads", json: ["title": "kept"], token: token)
        let threadID = try #require(thread.json["id"] as? String)
        let run = try await http.send("POST", "/api/threads/\(threadID)/runs", json: ["input": "What is 17*23?"], token: token)
        let runID = try #require(run.json["id"] as? String)
        var status = ""
        for _ in 0..<100 where status != "succeeded" {
            status = try await http.send("GET", "/api/runs/\(runID)", token: token).json["status"] as? String ?? ""
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == "succeeded")
        let eventsBefore = try await http.send("GET", "/api/runs/\(runID)/events", token: token).json["items"] as? [[String: Any]] ?? []

        // A restore is refused while the server holds the directory.
        let file = root.appendingPathComponent("cairn-backup.db.gz").path
        let (made, madeOutput) = try await runCairn(["backup", "--data-dir", live, "--out", file, "--gzip"])
        #expect(made == 0, "\(madeOutput)")
        #expect(madeOutput.contains("verified"))
        let (refused, refusedOutput) = try await runCairn(["restore", "--data-dir", live, "--from", file])
        #expect(refused != 0)
        #expect(refusedOutput.contains("stop it first"))
        let (checked, checkedOutput) = try await runCairn(["backup", "verify", file])
        #expect(checked == 0 && checkedOutput.hasPrefix("ok"), "\(checkedOutput)")
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        kill(server.process.processIdentifier, SIGTERM)
        _ = try await server.waitForExit()

        // Restored into a fresh directory, the same server: sign-in, the thread, the run's events,
        // and the access token issued before the backup.
        let fresh = root.appendingPathComponent("fresh").path
        let (restored, restoredOutput) = try await runCairn(["restore", "--data-dir", fresh, "--from", file])
        #expect(restored == 0, "\(restoredOutput)")
        let again = try CairnProcess(["serve", "--port", "0", "--data-dir", fresh] + flags)
        defer { again.terminate() }
        let http2 = HTTP(base: "http://127.0.0.1:\(try await again.waitForPort())")
        #expect(try await http2.send("GET", "/api/auth/me", token: token).status == 200, "a token issued before the backup still verifies")
        #expect(try await http2.send("POST", "/api/auth/login", json: ["email": "keep@example.com", "password": "correct horse battery"]).status == 200)
        let threads = try await http2.send("GET", "/api/threads", token: token).json["items"] as? [[String: Any]] ?? []
        #expect(threads.contains { $0["id"] as? String == threadID })
        let eventsAfter = try await http2.send("GET", "/api/runs/\(runID)/events", token: token).json["items"] as? [[String: Any]] ?? []
        #expect(eventsAfter.count == eventsBefore.count && eventsAfter.count > 5)
        kill(again.process.processIdentifier, SIGTERM)
        _ = try await again.waitForExit()
    }

    @Test func restoreRefusesABadFileAndChangesNothing() async throws {
        let root = temporaryDirectory("restore-bad")
        let data = root.appendingPathComponent("data").path
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", data, "--set", "auth.bcrypt_cost=4"])
        _ = try await server.waitForPort()
        kill(server.process.processIdentifier, SIGTERM)
        _ = try await server.waitForExit()
        let before = try Data(contentsOf: URL(fileURLWithPath: data + "/cairn.db"))
        let junk = root.appendingPathComponent("junk.db").path
        try Data(repeating: 7, count: 8192).write(to: URL(fileURLWithPath: junk))
        let (status, output) = try await runCairn(["restore", "--data-dir", data, "--from", junk])
        #expect(status == 1)
        #expect(output.contains("not a SQLite database") && output.contains("nothing was changed"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: data + "/cairn.db")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: data).allSatisfy { !$0.hasPrefix("pre-restore") })
    }
}

/// A server killed in the middle of a backup: the live database and the earlier backups are
/// intact, and nothing half-written is listed or left behind.
@Suite("A backup cut short")
struct BackupKillTests {
    @Test func sigkillDuringABackupLeavesTheLiveDatabaseAndEarlierBackupsIntact() async throws {
        let dataDir = temporaryDirectory("backup-kill").path
        let (created, output) = try await runCairn(["admin", "create", "--email", "root@example.com", "--password-stdin", "--data-dir", dataDir,
                                                    "--set", "auth.bcrypt_cost=4"], stdin: "admin password 1\n")
        #expect(created == 0, "\(output)")
        // About 100 MB in the audit log, so a backup takes long enough to be killed in the middle.
        try python("""
            import sqlite3, os
            db = sqlite3.connect(os.path.join(r'\(dataDir)', 'cairn.db'))
            blob = 'x' * 1000
            db.executemany("INSERT INTO audit_log (id, at, action, details) VALUES (?, 0, 'bulk', ?)",
                           (('aud_bulk%08d' % i, blob) for i in range(100_000)))
            db.commit()
            """)
        let flags = ["serve", "--port", "0", "--data-dir", dataDir, "--set", "auth.bcrypt_cost=4"]
        let server = try CairnProcess(flags)
        defer { server.terminate() }
        let http = HTTP(base: "http://127.0.0.1:\(try await server.waitForPort())")
        let token = try #require(try await http.send("POST", "/api/auth/login", json: ["email": "root@example.com", "password": "admin password 1"])
            .json["access_token"] as? String)
        let first = try await http.send("POST", "/api/admin/backups", json: [:], token: token)
        #expect(first.status == 201)
        let firstID = try #require(first.json["id"] as? String)
        // The second backup is under way when the process is killed.
        let pending = Task { try? await http.send("POST", "/api/admin/backups", json: [:], token: token) }
        let backupsDir = dataDir + "/backups"
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline,
              (try? FileManager.default.contentsOfDirectory(atPath: backupsDir))?.contains(where: { $0.contains(".partial-") }) != true {
            try await Task.sleep(for: .milliseconds(5))
        }
        let partialSeen = (try? FileManager.default.contentsOfDirectory(atPath: backupsDir))?.contains { $0.contains(".partial-") } == true
        kill(server.process.processIdentifier, SIGKILL)
        _ = try await server.waitForExit()
        _ = await pending.value
        #expect(partialSeen, "the kill came while the second backup was being written")

        try python("""
            import sqlite3, os, sys
            db = sqlite3.connect(os.path.join(r'\(dataDir)', 'cairn.db'))
            result = db.execute('PRAGMA integrity_check').fetchall()
            count = db.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'bulk'").fetchone()[0]
            sys.exit(0 if result == [('ok',)] and count == 100000 else 1)
            """)
        let again = try CairnProcess(flags)
        defer { again.terminate() }
        let http2 = HTTP(base: "http://127.0.0.1:\(try await again.waitForPort())")
        let token2 = try #require(try await http2.send("POST", "/api/auth/login", json: ["email": "root@example.com", "password": "admin password 1"])
            .json["access_token"] as? String)
        let items = try await http2.send("GET", "/api/admin/backups", token: token2).json["items"] as? [[String: Any]] ?? []
        #expect(items.map { $0["id"] as? String } == [firstID], "only the finished backup is listed")
        #expect(items.first?["verified"] as? Bool == true && items.first?["file_exists"] as? Bool == true)
        let left = try FileManager.default.contentsOfDirectory(atPath: backupsDir)
        #expect(left.count == 1 && !left[0].hasPrefix("."), "the partial file is removed at start: \(left)")
        let (verified, verdict) = try await runCairn(["backup", "verify", backupsDir + "/" + left[0]])
        #expect(verified == 0, "\(verdict)")
        kill(again.process.processIdentifier, SIGTERM)
        _ = try await again.waitForExit()
    }

    /// Runs a Python script with the system interpreter (its sqlite3 module reads the file as
    /// another program would); throws when it exits non-zero.
    func python(_ script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw E2EError("python exited \(process.terminationStatus)") }
    }
}
