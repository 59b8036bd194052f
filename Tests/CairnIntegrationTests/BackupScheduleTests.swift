import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import Testing

/// Scheduled backups and pruning, driven by a manual clock on a real server environment.
@Suite("Scheduled backups")
struct BackupScheduleTests {
    @Test func backupsRunWhenTheIntervalPassesAndOnlyTheNewestScheduledOnesAreKept() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        try await TestServer(["backups.interval_hours": "6", "backups.keep": "2"]).run(clock: clock) { client, env in
            let backups = env.backups
            #expect(try await backups.runIfDue() == nil, "nothing is due right after start")
            clock.advance(by: 5 * 3600)
            #expect(try await backups.runIfDue() == nil)
            clock.advance(by: 3600)
            let first = try #require(try await backups.runIfDue())
            #expect(first.trigger == .schedule && first.verified)
            #expect(try await backups.runIfDue() == nil, "the interval counts from the newest good backup")
            // A manual backup counts as the newest good one, and is never pruned.
            clock.advance(by: 3 * 3600)
            let manual = try await backups.create(trigger: .manual, by: "admin", origin: .commandLine)
            clock.advance(by: 5 * 3600)
            #expect(try await backups.runIfDue() == nil)
            var scheduled: [BackupRecord] = [first]
            for _ in 0..<3 {
                clock.advance(by: 6 * 3600)
                scheduled.append(try #require(try await backups.runIfDue()))
            }
            let listed = try await backups.list()
            let kept = listed.filter { $0.record.trigger == .schedule }.map(\.record.id)
            #expect(kept == scheduled.suffix(2).reversed().map(\.id), "the two newest scheduled backups, newest first")
            #expect(listed.contains { $0.record.id == manual.id && $0.fileExists })
            for old in scheduled.prefix(2) { #expect(!FileManager.default.fileExists(atPath: old.path), "pruned files are deleted") }
            for record in listed.map(\.record) {
                #expect(DatabaseBackup.verify(path: record.path).ok)
                #expect(record.path.hasPrefix(env.store.path.replacingOccurrences(of: "cairn.db", with: "backups/")))
            }
            // Off: nothing runs, however long it has been.
            env.settings.replace(with: try ConfigurationLoader.load(ConfigurationSources(flags: ["backups.interval_hours": "0"])))
            clock.advance(by: 1_000 * 3600)
            #expect(try await backups.runIfDue() == nil)
            _ = client
        }
    }
}
