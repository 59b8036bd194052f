import CairnCore
import CairnStore
import Foundation
import Logging

/// Where a request came from, for sessions, rate limits and the audit log.
public struct RequestOrigin: Sendable, Equatable {
    public let ip: String?
    public let userAgent: String?

    public init(ip: String?, userAgent: String?) {
        self.ip = ip
        self.userAgent = userAgent.map { String($0.prefix(512)) }
    }

    public static let commandLine = RequestOrigin(ip: nil, userAgent: "cairn-cli")
    /// Work the server starts on its own (scheduled backups).
    public static let scheduler = RequestOrigin(ip: nil, userAgent: "cairn-scheduler")
}
