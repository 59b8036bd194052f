import CairnAgents
import CairnAssets
import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// `GET /api/admin/health`: the operator's figures, each with `ok`, `warn` or `fail`, and an
/// overall status (the worst of them). `/readyz` stays the cheap probe for load balancers.
struct AdminHealthRoutes {
    let settings: LiveSettings
    let store: Store
    let backups: BackupService
    let connections: ConnectionRegistry
    /// Run load (running and queued).
    let engine: RunEngine
    /// Recent outcomes (runs per minute, error rate).
    let runs: RunRepository
    let breakers: BreakerRegistry
    let signingKeys: SigningKeyRepository
    let clock: any WallClock
    let startedAt: Date

    /// One figure: its value, its status, and why when it is not ok.
    struct Figure {
        let value: JSONValue
        let status: String
        let note: String?
        init(_ value: JSONValue, _ status: String = "ok", note: String? = nil) {
            self.value = value
            self.status = status
            self.note = note
        }
        var json: JSONValue {
            var object: [String: JSONValue] = ["value": value, "status": .string(status)]
            if let note { object["note"] = .string(note) }
            return .object(object)
        }
    }

    func register(on admin: RouterGroup<CairnRequestContext>) {
        admin.get("/health") { _, _ in
            let figures = try await figures()
            let rank = ["ok": 0, "warn": 1, "fail": 2]
            let worst = figures.values.map(\.status).max { (rank[$0] ?? 0) < (rank[$1] ?? 0) } ?? "ok"
            let body: JSONValue = [
                "status": .string(worst), "checked_at": .string(Timestamp.format(clock.now())),
                "figures": .object(figures.mapValues(\.json)),
            ]
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: .init(string: body.jsonText)))
        }
    }

    func figures() async throws -> [String: Figure] {
        let now = clock.now()
        let settings = settings.snapshot
        var figures: [String: Figure] = [:]
        figures["version"] = Figure(.string("\(BuildInfo.version) (\(BuildInfo.commit))"))
        figures["uptime_seconds"] = Figure(.number(Double(max(0, Int(now.timeIntervalSince(startedAt))))))
        let database = store.path
        figures["database_bytes"] = Figure(.number(Double(store.fileBytes())))
        let wal = store.fileBytes(suffix: "-wal")
        figures["wal_bytes"] =
            wal > 256 << 20
            ? Figure(.number(Double(wal)), "warn", note: "the WAL is over 256 MiB: long readers keep checkpoints from finishing")
            : Figure(.number(Double(wal)))
        let free = Store.freeBytes(directory: (database as NSString).deletingLastPathComponent)
        figures["disk_free_bytes"] =
            free.map { free in
                free < Store.minimumFreeBytes * 64
                    ? Figure(.number(Double(free)), "fail", note: "almost no room left for writes")
                    : free < 1 << 30 ? Figure(.number(Double(free)), "warn", note: "under 1 GiB free") : Figure(.number(Double(free)))
            } ?? Figure(.null, "warn", note: "free space unknown")
        figures["last_backup"] = try await lastBackup(now: now, intervalHours: settings[.backupsIntervalHours])
        figures["sockets_open"] = Figure(.number(Double(connections.open)))
        let load = engine.load
        figures["runs_active"] = Figure(.number(Double(load.running)))
        figures["runs_queued"] = Figure(.number(Double(load.queued)))
        for minutes in [5, 60] {
            let (finished, failed) = try await runs.outcomes(since: now.addingTimeInterval(-Double(minutes) * 60))
            figures["runs_per_minute_\(minutes)m"] = Figure(.number((Double(finished) / Double(minutes) * 100).rounded() / 100))
            let rate = finished == 0 ? 0 : (Double(failed) / Double(finished) * 1000).rounded() / 1000
            figures["error_rate_\(minutes)m"] =
                finished >= 5 && rate >= 0.5
                ? Figure(.number(rate), "fail", note: "\(failed) of \(finished) runs failed")
                : finished >= 5 && rate >= 0.1 ? Figure(.number(rate), "warn", note: "\(failed) of \(finished) runs failed") : Figure(.number(rate))
        }
        var states: [String: JSONValue] = [:]
        for breaker in breakers.all {
            let state = breaker.snapshot().state.rawValue
            states[state] = .number((states[state]?.numberValue ?? 0) + 1)
        }
        let open = [BreakerState.open, .forcedOpen].reduce(0) { $0 + (states[$1.rawValue]?.intValue ?? 0) }
        figures["breakers"] = open > 0 ? Figure(.object(states), "warn", note: "\(open) circuit breaker(s) open") : Figure(.object(states))
        let active = try await signingKeys.all().filter { $0.retiredAt == nil }.map(\.createdAt).max()
        let keyAge = active.map { max(0, Int(now.timeIntervalSince($0))) }
        figures["signing_key_age_seconds"] =
            keyAge.map {
                $0 > 180 * 86_400
                    ? Figure(.number(Double($0)), "warn", note: "older than 180 days: consider `cairn admin rotate-keys`")
                    : Figure(.number(Double($0)))
            }
            ?? Figure(.null, "fail", note: "no active signing key")
        return figures
    }

    /// The newest good backup's time and age: warn when there is none while backups are
    /// scheduled, or when it is older than twice the interval.
    func lastBackup(now: Date, intervalHours: Int) async throws -> Figure {
        guard let last = try await backups.lastGood() else {
            return intervalHours > 0 ? Figure(.null, "warn", note: "no backup yet") : Figure(.null, note: "scheduled backups are off")
        }
        let age = max(0, Int(now.timeIntervalSince(last.createdAt)))
        let value: JSONValue = [
            "id": .string(last.id.rawValue), "created_at": .string(Timestamp.format(last.createdAt)), "age_seconds": .number(Double(age)),
        ]
        if intervalHours > 0, age > 2 * intervalHours * 3600 {
            return Figure(value, "warn", note: "older than twice backups.interval_hours")
        }
        return Figure(value)
    }

}
