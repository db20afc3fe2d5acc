import Foundation
import Logging
import ServiceLifecycle
import WenzhengCore
import WenzhengStore

/// Deletes expired sessions and login failures older than a day, hourly,
/// so those tables stay small on a server that runs for years.
struct SessionPruneService: Service {
    let database: AppDatabase
    let clock: any WallClock
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await database.pruneExpiredAuthenticationState(before: clock.now().addingTimeInterval(-24 * 3600))
            } catch {
                logger.error("pruning sessions failed: \(error)")
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
            } catch {
                return
            }
        }
    }
}
