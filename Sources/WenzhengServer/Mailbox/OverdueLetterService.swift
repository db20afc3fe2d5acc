import Foundation
import Logging
import WenzhengCore
import WenzhengStore

/// Marks open letters whose deadline has passed as overdue: once at start
/// and then at the configured interval (ten minutes by default), logging each letter newly marked (number,
/// department, due date) at notice level. Stops at graceful shutdown.
struct OverdueLetterService: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let logger: Logger

    func service(interval: Duration) -> PeriodicService {
        PeriodicService(interval: interval, runsAtStart: true) { await sweep() }
    }

    /// One pass; returns the letters marked now.
    @discardableResult
    func sweep() async -> [LetterView] {
        do {
            let marked = try await database.markOverdueLetters(at: clock.now())
            for letter in marked {
                logger.notice(
                    "letter overdue",
                    metadata: [
                        "letter": .string(letter.number),
                        "department": .string(letter.leadDepartment?.name ?? "-"),
                        "due": .string(letter.dueOn ?? "-"),
                    ])
            }
            return marked
        } catch is CancellationError {
            // Shutdown while a pass was running: not a failure.
            return []
        } catch {
            logger.error("marking overdue letters failed: \(error)")
            return []
        }
    }
}
