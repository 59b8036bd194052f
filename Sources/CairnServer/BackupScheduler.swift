import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWSCompression
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// Takes scheduled backups: checks once a minute whether `backups.interval_hours` have passed
/// since the newest good backup. Stops (before the database closes) on graceful shutdown.
struct BackupScheduler: Service {
    let backups: BackupService
    let logger: Logger

    func run() async throws {
        // No backup runs yet: whatever partial file is there, a crash left behind.
        backups.removeLeftovers()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await backups.runIfDue() } catch {
                    logger.warning("scheduled backup did not run", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(60))
            }
        }
    }
}
