import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WenzhengCore
import WenzhengStore

/// Sends the outbox: at start and then every `NotificationSettings.interval`
/// (30 s by default) it reads up to `batchSize` notices that are due,
/// delivers each, and records the outcome before trying the next: sent, or
/// failed and due again on the retry schedule, or abandoned (after the last
/// attempt, or at once on a permanent refusal). A notice without a
/// recipient goes to the log (`LogNotifier`) even when a mail server is
/// configured. Each outcome is logged with the recipient masked.
///
/// Delivery is at least once (docs/notifications.md): a notice the mail
/// server took is recorded as sent right after; if that write fails, the
/// sender remembers the notice and does not deliver it again while the
/// server runs, and records it on the next pass. Only a stop between the
/// server's `250` and that record (a crash, a power cut, a stop while the
/// database is unwritable) sends the notice again after the next start,
/// with the same `Message-ID`.
///
/// At graceful shutdown the notice being delivered is finished and
/// recorded, the rest wait for the next start.
public final class NotificationSender: Sendable {
    let store: any NotificationsStore
    /// Nil: every notice goes to the log.
    let mailer: (any Notifier)?
    let log: LogNotifier
    let clock: any WallClock
    let logger: Logger
    let batchSize: Int
    let retry: RetrySchedule
    /// Delivered notices whose `markSent` failed.
    private let unrecorded = Mutex<Set<Int64>>([])

    /// What one pass did.
    public struct Pass: Sendable, Equatable {
        public var sent = 0
        /// Failed and due again later.
        public var retrying = 0
        public var abandoned = 0

        public init() {}
    }

    public init(
        store: any NotificationsStore, mailer: (any Notifier)?, clock: any WallClock, logger: Logger, batchSize: Int = 50,
        retry: RetrySchedule = .standard
    ) {
        self.store = store
        self.mailer = mailer
        self.log = LogNotifier(logger: logger)
        self.clock = clock
        self.logger = logger
        self.batchSize = batchSize
        self.retry = retry
    }

    /// The sender the settings ask for: SMTP when a mail server is
    /// configured, else the log.
    public convenience init(database: AppDatabase, settings: NotificationSettings, clock: any WallClock, logger: Logger) throws {
        self.init(
            store: database.notifications, mailer: try settings.smtp.map { try SMTPNotifier(settings: $0, clock: clock) }, clock: clock,
            logger: logger, batchSize: settings.batchSize, retry: settings.retry)
    }

    func service(interval: Duration) -> PeriodicService {
        PeriodicService(interval: interval, runsAtStart: true) { await self.sendDue() }
    }

    /// One pass over the notices due now.
    @discardableResult
    public func sendDue() async -> Pass {
        var pass = Pass()
        await recordUnrecorded(&pass)
        let due: [OutboxMessage]
        do {
            due = try await store.dueMessages(at: clock.now(), limit: batchSize)
        } catch is CancellationError {
            return pass
        } catch {
            logger.error("reading the outbox failed: \(error)")
            return pass
        }
        let skipped = unrecorded.withLock { $0 }
        let waiting = due.filter { $0.id.map { !skipped.contains($0) } ?? false }
        guard let mailer else {
            await send(waiting, through: log, pass: &pass)
            return pass
        }
        await send(waiting.filter { $0.recipient == nil }, through: log, pass: &pass)
        await send(waiting.filter { $0.recipient != nil }, through: mailer, pass: &pass)
        return pass
    }

    private var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    private func send(_ messages: [OutboxMessage], through notifier: any Notifier, pass: inout Pass) async {
        guard !messages.isEmpty, !stopping else { return }
        var remaining = messages[...]
        var tally = pass
        do {
            try await notifier.withSession { session in
                while let message = remaining.first, !stopping {
                    remaining = remaining.dropFirst()
                    do {
                        try await session.deliver(message)
                    } catch {
                        await failed(message, error, pass: &tally)
                        continue
                    }
                    await delivered(message, logged: notifier is LogNotifier, pass: &tally)
                }
            }
        } catch {
            // The session did not open (or broke outside a delivery): the
            // notices not yet tried fail the same way, so that each keeps
            // its own retry schedule and the log says what happened.
            for message in remaining where !stopping { await failed(message, error, pass: &tally) }
        }
        pass = tally
    }

    private func delivered(_ message: OutboxMessage, logged: Bool, pass: inout Pass) async {
        guard let id = message.id else { return }
        do {
            try await store.markSent(id: id, at: clock.now())
            pass.sent += 1
            if !logged {
                logger.info("notice sent", metadata: metadata(message, attempt: message.attempts + 1))
            }
        } catch {
            unrecorded.withLock { _ = $0.insert(id) }
            logger.error(
                "notice delivered but not recorded as sent: \(error); it is not delivered again while the server runs",
                metadata: metadata(message, attempt: message.attempts + 1))
        }
    }

    private func failed(_ message: OutboxMessage, _ error: any Error, pass: inout Pass) async {
        guard let id = message.id else { return }
        let failure = error as? NotifierFailure ?? .temporary("\(error)")
        let now = clock.now()
        let attempt = message.attempts + 1
        let retryAt = failure.permanence == .permanent ? nil : retry.retryDate(afterFailedAttempt: attempt, at: now)
        do {
            try await store.markFailed(id: id, error: failure.reason, retryAt: retryAt, at: now)
        } catch {
            logger.error("recording a failed notice failed: \(error)", metadata: metadata(message, attempt: attempt))
            return
        }
        var details = metadata(message, attempt: attempt)
        details["error"] = .string(Self.maskingAddresses(failure.reason))
        if let retryAt {
            pass.retrying += 1
            details["retryAt"] = .string(ISO8601DateFormatter().string(from: retryAt))
            logger.warning("notice not sent; will retry", metadata: details)
        } else {
            pass.abandoned += 1
            logger.error(
                "notice abandoned", metadata: details.merging(["permanent": .stringConvertible(failure.permanence == .permanent)]) { $1 })
        }
    }

    /// Records notices delivered earlier whose record failed.
    private func recordUnrecorded(_ pass: inout Pass) async {
        for id in unrecorded.withLock({ $0 }).sorted() {
            do {
                try await store.markSent(id: id, at: clock.now())
                pass.sent += 1
            } catch is StoreError {
                // Already recorded (or gone): nothing left to do.
            } catch {
                continue
            }
            unrecorded.withLock { _ = $0.remove(id) }
        }
    }

    /// A server's reply often repeats the recipient (`550 <v@example.cn>:
    /// user unknown`); the log gets it masked, `last_error` as it was.
    static func maskingAddresses(_ text: String) -> String {
        text.replacing(/[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+/) { MailAddress.masked(String($0.output)) }
    }

    private func metadata(_ message: OutboxMessage, attempt: Int) -> Logger.Metadata {
        [
            "outbox": .stringConvertible(message.id ?? 0),
            "kind": .string(message.kind),
            "about": .string("\(message.subjectType) \(message.subjectId)"),
            "to": .string(message.recipient.map(MailAddress.masked) ?? "-"),
            "attempt": .stringConvertible(attempt),
        ]
    }
}
