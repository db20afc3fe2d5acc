import Foundation
import Logging
import Synchronization
import WenzhengCore
import WenzhengStore

/// Sweeps the letters' reply clocks: once at start and then at the
/// configured interval (ten minutes by default). The first pass recomputes
/// every open deadline on the current rules and calendar (so an upgrade's
/// rule changes reach letters already open); every pass ends consultations
/// whose 15 working days ran out (arts. 32, 34) and marks open letters
/// whose deadline has passed as overdue, logging each letter (number,
/// department, due date) at notice level. Stops at graceful shutdown.
struct OverdueLetterService: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let logger: Logger

    func service(interval: Duration) -> PeriodicService {
        let first = FirstPass()
        return PeriodicService(interval: interval, runsAtStart: true) { await sweep(recomputeAll: first.take()) }
    }

    /// True once, then false.
    private final class FirstPass: Sendable {
        private let pending = Mutex(true)
        func take() -> Bool {
            pending.withLock { pending in
                defer { pending = false }
                return pending
            }
        }
    }

    /// One pass; returns the letters marked overdue now.
    ///
    /// - Parameter recomputeAll: recompute every open deadline first.
    @discardableResult
    func sweep(recomputeAll: Bool = false) async -> [LetterView] {
        do {
            let sweep = try await database.mailbox.sweepLetterClocks(at: clock.now(), recomputeAll: recomputeAll)
            for letter in sweep.resumed {
                logger.notice(
                    "letter consultation period ended",
                    metadata: [
                        "letter": .string(letter.number), "department": .string(letter.leadDepartment?.name ?? "-"),
                        "answerDue": .string(letter.stoppages.last?.answerDueOn?.description ?? "-"),
                    ])
            }
            for letter in sweep.overdue {
                logger.notice(
                    "letter overdue",
                    metadata: [
                        "letter": .string(letter.number),
                        "department": .string(letter.leadDepartment?.name ?? "-"),
                        "due": .string(letter.dueOn?.description ?? "-"),
                    ])
            }
            return sweep.overdue
        } catch is CancellationError {
            // Shutting down: the transaction rolled back; the next start sweeps again.
            return []
        } catch {
            logger.error("sweeping the letters' clocks failed: \(error)")
            return []
        }
    }
}
