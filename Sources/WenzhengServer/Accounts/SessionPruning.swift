import Foundation
import Logging
import WenzhengCore
import WenzhengStore

/// Deletes expired sessions and login failures older than a day, at start
/// and then hourly, so those tables stay small on a server that runs for
/// years.
enum SessionPruning {
    static func service(database: AppDatabase, clock: any WallClock, logger: Logger, interval: Duration) -> PeriodicService {
        PeriodicService(interval: interval, runsAtStart: true) {
            do {
                try await database.accounts.pruneExpiredAuthenticationState(before: clock.now().addingTimeInterval(-24 * 3600))
            } catch is CancellationError {
                return  // shutting down
            } catch {
                logger.error("pruning sessions failed: \(error)")
            }
        }
    }
}
