import Foundation
import Logging
import WenzhengCore
import WenzhengStore

/// Deletes expired sessions and login failures older than a day, and the
/// rate limits' attempts that no window counts any more, at start and then
/// hourly: those tables stay small on a server that runs for years, and a
/// quiet server does not keep an address longer than its window needs
/// (the admissions' own pruning runs only while attempts arrive).
enum SessionPruning {
    static func service(database: AppDatabase, clock: any WallClock, logger: Logger, interval: Duration) -> PeriodicService {
        PeriodicService(interval: interval, runsAtStart: true) {
            do {
                let now = clock.now()
                try await database.accounts.pruneExpiredAuthenticationState(before: now.addingTimeInterval(-24 * 3600))
                try await database.rateLimits.pruneExpired(at: now)
            } catch is CancellationError {
                return  // shutting down
            } catch {
                logger.error("pruning sessions and rate limits failed: \(error)")
            }
        }
    }
}
