import Logging
import WenzhengCore
import WenzhengStore

/// The default notifier: writes each notice to the log at `notice` level and
/// counts it as sent. Used for every notice when no mail server is
/// configured, and for notices without a recipient when one is.
///
/// The line names the notice (outbox id, kind, what it is about, the
/// body's length) and the recipient with the local part masked
/// (`v***@example.cn`), but never the text, at any level: a body carries a
/// visitor's name and can carry a confirmation code that cancels a
/// registration, a subject line is written by the feature and may name
/// the visitor too, and logs travel further than the database (log
/// shipping, support tickets). The full text stays in the outbox row,
/// where the office reads it.
public struct LogNotifier: Notifier {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func withSession(_ body: (any NotifierSession) async throws -> Void) async throws {
        try await body(Session(logger: logger))
    }

    final class Session: NotifierSession {
        let logger: Logger

        init(logger: Logger) {
            self.logger = logger
        }

        func deliver(_ message: OutboxMessage) async throws {
            logger.notice(
                "notice",
                metadata: [
                    "outbox": .stringConvertible(message.id ?? 0),
                    "kind": .string(message.kind),
                    "about": .string("\(message.subjectType) \(message.subjectId)"),
                    "to": .string(message.recipient.map(MailAddress.masked) ?? "-"),
                    "bodyCharacters": .stringConvertible(message.body.count),
                ])
        }
    }
}
