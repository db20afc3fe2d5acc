import Foundation
import Logging
import WenzhengCore
import WenzhengStore

/// Makes each department's daily digest of letters overdue or due within
/// two working days (docs/notifications.md, "The daily digest"): at start
/// and then every `checkInterval` (a minute) it asks whether today's digest
/// is due (`LetterDigestSchedule.dueDay`: a working day, at or after the
/// digest time in Beijing) and, if so, makes the digests not made yet.
/// The database records each department's digest of each day, so a
/// restart, a server that was down at the time, or a check that runs twice
/// never sends a second one; a server started later that day catches up.
struct LetterDigestService: Sendable {
    let database: AppDatabase
    let schedule: LetterDigestSchedule
    let clock: any WallClock
    let logger: Logger

    func service(checkInterval: Duration) -> PeriodicService {
        PeriodicService(interval: checkInterval, runsAtStart: true) { await check() }
    }

    /// One check; returns the digests made now.
    @discardableResult
    func check() async -> [LetterDigestOutcome] {
        do {
            let now = clock.now()
            guard let day = schedule.dueDay(at: now, calendar: try await database.calendar.workingDayCalendar()) else { return [] }
            let made = try await database.mailbox.makeLetterDigests(day: day, at: now)
            for digest in made {
                logger.notice(
                    "letter digest made",
                    metadata: [
                        "department": .string(digest.department), "day": .string(digest.day.description),
                        "letters": .stringConvertible(digest.letters), "overdue": .stringConvertible(digest.overdue),
                        "outbox": .string(digest.outboxMessageID.map(String.init) ?? "-"),
                    ])
            }
            return made
        } catch is CancellationError {
            // Shutting down: the transaction rolled back; the next start makes it.
            return []
        } catch {
            logger.error("making the letter digests failed: \(error)")
            return []
        }
    }
}
