import Foundation
import Logging
import ServiceLifecycle
import WenzhengCore
import WenzhengStore

/// Marks open letters whose deadline has passed as overdue: once at start
/// and then every ten minutes, logging each letter newly marked (number,
/// department, due date) at notice level. Stops at graceful shutdown.
struct OverdueLetterService: Service {
    let database: AppDatabase
    let clock: any WallClock
    let logger: Logger
    var interval: Duration = .seconds(600)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await sweep()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
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
        } catch {
            logger.error("marking overdue letters failed: \(error)")
            return []
        }
    }
}
