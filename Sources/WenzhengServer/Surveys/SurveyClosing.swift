import Foundation
import Logging
import WenzhengCore
import WenzhengStore

/// Closes surveys whose closing time has passed, at start and then every
/// minute by default. Answers after the closing time are refused anyway;
/// closing also destroys an anonymous survey's duplicate-check key and
/// sends the free text to moderation, which should not wait until an
/// organiser remembers to press "close".
enum SurveyClosing {
    static func service(
        database: AppDatabase, clock: any WallClock, library: ModerationLibrary, logger: Logger, interval: Duration
    ) -> PeriodicService {
        PeriodicService(interval: interval, runsAtStart: true) {
            await closeEnded(database: database, clock: clock, library: library, logger: logger)
        }
    }

    /// One pass; returns the surveys closed now.
    @discardableResult
    static func closeEnded(database: AppDatabase, clock: any WallClock, library: ModerationLibrary, logger: Logger) async -> [Int64] {
        do {
            let closed = try await database.surveys.closeEndedSurveys(filter: library.filter, at: clock.now())
            for id in closed {
                logger.notice("survey closed at its closing time", metadata: ["survey": .stringConvertible(id)])
            }
            return closed
        } catch is CancellationError {
            return []  // shutting down; the next start closes them
        } catch {
            logger.error("closing ended surveys failed: \(error)")
            return []
        }
    }
}
