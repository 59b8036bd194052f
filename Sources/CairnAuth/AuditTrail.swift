import CairnCore
import CairnStore
import Foundation
import Logging

/// Writes audit entries. A failed audit write is logged loudly but never undoes the action.
public struct AuditTrail: Sendable {
    let repository: AuditRepository
    let clock: any WallClock
    let logger: Logger

    public init(repository: AuditRepository, clock: any WallClock, logger: Logger) {
        self.repository = repository
        self.clock = clock
        self.logger = logger
    }

    public func record(_ action: String, actor: String?, target: String?, origin: RequestOrigin, details: [String: String] = [:]) async {
        var detailsJSON: String?
        if !details.isEmpty, let data = try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]) {
            detailsJSON = String(decoding: data, as: UTF8.self)
        }
        let entry = AuditEntry(
            at: clock.now(), actor: actor, action: action, target: target,
            ip: origin.ip, userAgent: origin.userAgent, details: detailsJSON)
        do {
            try await repository.append(entry)
        } catch {
            logger.error("audit write failed", metadata: ["action": .string(action), "error": "\(error)"])
        }
    }
}
