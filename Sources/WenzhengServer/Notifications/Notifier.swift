import WenzhengStore

/// Delivers notices from the outbox. `NotificationSender` opens one session
/// per batch and delivers the batch's notices through it one at a time,
/// recording each outcome before the next: the SMTP notifier holds one
/// connection for the session, the log notifier nothing.
public protocol Notifier: Sendable {
    /// Runs `body` with a session. Throws `NotifierFailure` when the session
    /// cannot be opened (the mail server cannot be reached, refuses us or
    /// our password); `body`'s own errors pass through.
    func withSession(_ body: (any NotifierSession) async throws -> Void) async throws
}

/// One batch's way to deliver notices.
public protocol NotifierSession: AnyObject {
    /// Delivers one notice. Returns once the mail server has taken it (or
    /// the log has it); throws `NotifierFailure` otherwise.
    func deliver(_ message: OutboxMessage) async throws
}

/// Why a notice was not delivered, and whether trying again may help.
public struct NotifierFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Permanence: String, Sendable {
        /// A `4xx` reply, a timeout, a refused or broken connection: retried
        /// on the schedule.
        case temporary
        /// A `5xx` reply to the sender, the recipient or the message, or an
        /// address the notifier will not use: abandoned at once.
        case permanent
    }

    public var permanence: Permanence
    /// What the server said (`550 5.1.1 user unknown`) or what went wrong;
    /// kept in the outbox's `last_error`. Never holds a password.
    public var reason: String
    /// The connection or the server failed, not this notice: every later
    /// notice of the session fails the same way without being tried.
    public var endsSession: Bool

    public init(_ permanence: Permanence, _ reason: String, endsSession: Bool = false) {
        self.permanence = permanence
        self.reason = reason
        self.endsSession = endsSession
    }

    public static func temporary(_ reason: String, endsSession: Bool = false) -> Self {
        Self(.temporary, reason, endsSession: endsSession)
    }

    public static func permanent(_ reason: String) -> Self {
        Self(.permanent, reason)
    }

    public var description: String { "\(permanence.rawValue): \(reason)" }
}
