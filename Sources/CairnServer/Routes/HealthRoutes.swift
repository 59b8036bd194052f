import CairnStore
import HTTPTypes
import Hummingbird

/// `/healthz` (the process serves) and `/readyz` (the database is open, migrated and writable).
struct HealthRoutes {
    let store: Store

    struct Status: Encodable { let status: String }
    struct Readiness: Encodable {
        let status: String
        let checks: [String: String]
    }

    func register(on router: Router<CairnRequestContext>) {
        router.get("/healthz") { _, _ in
            try APIJSON.response(Status(status: "ok"))
        }
        router.get("/readyz") { _, _ in
            let report = await store.readiness()
            return try APIJSON.response(
                Readiness(status: report.ready ? "ready" : "unavailable", checks: report.checks),
                status: report.ready ? .ok : .serviceUnavailable)
        }
    }
}
