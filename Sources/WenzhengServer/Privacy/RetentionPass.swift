import Foundation
import Logging
import ServiceLifecycle
import WenzhengCore
import WenzhengStore

/// Erases citizens' personal data past its retention period
/// (`RetentionPolicy`, docs/privacy.md), at start and then every
/// `--retention-interval`: closed letters keep their text but lose the
/// author's name, contacts, address and attachments; registrations of long
/// past open days are deleted. Each erasure is audited as
/// `system:retention`. Work is done in batches, so one pass never holds the
/// writer for long.
enum RetentionPass {
    static let batch = 200

    static func service(
        database: AppDatabase, attachments: AttachmentFiles?, clock: any WallClock, policy: RetentionPolicy, logger: Logger,
        interval: Duration
    ) -> PeriodicService {
        PeriodicService(interval: interval, runsAtStart: true) {
            await purge(database: database, attachments: attachments, clock: clock, policy: policy, logger: logger)
        }
    }

    /// One pass, until nothing is left to erase; returns the totals.
    @discardableResult
    static func purge(
        database: AppDatabase, attachments: AttachmentFiles?, clock: any WallClock, policy: RetentionPolicy, logger: Logger
    ) async -> RetentionPurge {
        var total = RetentionPurge()
        do {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let step = try await database.privacy.purgeExpiredPersonalData(policy: policy, at: clock.now(), limit: batch)
                total.lettersErased += step.lettersErased
                total.registrationsDeleted += step.registrationsDeleted
                total.noticesDeleted += step.noticesDeleted
                total.orphanedAttachments += step.orphanedAttachments
                for hash in step.orphanedAttachments {
                    do { try attachments?.remove(hash) } catch {
                        logger.error("retention: an erased attachment's file could not be deleted: \(error)", metadata: ["sha256": .string(hash)])
                    }
                }
                if step.lettersErased < batch { break }
            }
        } catch is CancellationError {
            return total  // shutting down; the next pass continues
        } catch {
            logger.error("retention pass failed: \(error)")
            return total
        }
        if !total.isEmpty {
            logger.notice(
                "retention: personal data erased",
                metadata: [
                    "letters": .stringConvertible(total.lettersErased), "registrations": .stringConvertible(total.registrationsDeleted),
                    "notices": .stringConvertible(total.noticesDeleted), "attachments": .stringConvertible(total.orphanedAttachments.count),
                ])
        }
        return total
    }
}
