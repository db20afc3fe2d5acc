import Foundation
import GRDB

/// A notice to write into the outbox, inside the caller's transaction
/// (`GRDBNotificationsStore.enqueue`).
public struct OutgoingNotice: Sendable, Equatable {
    /// Dotted kind: `open_day.rescheduled`, `open_day.cancelled`,
    /// `registration.promoted`, `letter.received`, `letter.assigned`,
    /// `letter.reopened`, `letter.replied`, `letter.digest`.
    public var kind: String
    /// An e-mail address, or nil: the notifier then only logs the notice.
    public var recipient: String?
    public var subject: String
    public var body: String
    /// What it is about: `open_day`, `registration`, `letter`, `department` (a digest)…
    public var subjectType: String
    public var subjectID: String

    public init(kind: String, recipient: String?, subject: String, body: String, subjectType: String, subjectID: String) {
        self.kind = kind
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.subjectType = subjectType
        self.subjectID = subjectID
    }
}

/// A notice waiting in the outbox, as the notifier reads it.
public struct OutboxMessage: Sendable, Equatable, Codable, Identifiable, SnakeCaseRecord, MutablePersistableRecord {
    public var id: Int64?
    public var kind: String
    public var recipient: String?
    public var subject: String
    public var body: String
    public var subjectType: String
    public var subjectId: String
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var sentAt: Date?
    public var abandonedAt: Date?
    public var lastError: String?

    public static let databaseTableName = "outbox_message"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// How many notices are in each state: for the operations page and tests.
public struct OutboxCounts: Sendable, Equatable, Codable {
    public var pending: Int
    public var sent: Int
    public var abandoned: Int
}
