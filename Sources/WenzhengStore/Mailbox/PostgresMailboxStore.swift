import Foundation
import PostgresNIO
import WenzhengCore

/// `MailboxStore` over PostgreSQL (issue 16): the same intentions, each in
/// one transaction, with the same audit entries, errors and orderings as
/// `GRDBMailboxStore`, whose pure helpers (input checks, the workflow's
/// facts, the public text of a letter) it shares.
struct PostgresMailboxStore: MailboxStore {
    let backend: PostgresBackend
    /// Where letter notices link to (`AppDatabase.postgres(_:noticeLinks:)`).
    var links = LetterNoticeLinks.localDefault

    init(backend: PostgresBackend, links: LetterNoticeLinks = .localDefault) {
        self.backend = backend
        self.links = links
    }
}

extension PostgresMailboxStore: PostgresModerationSubject {
    static var moderationSourceType: String { GRDBMailboxStore.letterSourceType }

    /// An approved letter becomes public and searchable.
    func moderationDecided(_ tx: PostgresTransaction, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) async throws
        -> ModerationEffect
    {
        try await Self.applyLetterModeration(tx, item, at: now)
    }
}

extension PostgresMailboxStore: PostgresCalendarDependent {
    /// Open letters: due date, provisional flag and overdue flag from their
    /// stored clock events (`LetterClock`); replied letters and replies whose
    /// deadline was provisional too, so an on-time figure never rests on a
    /// provisional date.
    func calendarChanged(_ tx: PostgresTransaction, calendar: HolidayCalendar, at now: Date) async throws {
        try await Self.recomputeDeadlines(tx, calendar: calendar, at: now)
    }
}

// MARK: Reads other features own, as the mailbox needs them

extension PostgresMailboxStore {
    /// The working-day calendar as committed in this transaction
    /// (`GRDBCalendarStore.holidayCalendar` on SQLite).
    static func holidayCalendar(_ tx: PostgresTransaction) async throws -> HolidayCalendar {
        let years = try await tx.rows("SELECT year FROM holiday_notice ORDER BY year").map { try $0.value("year", as: Int.self) }
        let days = try await tx.rows(#"SELECT "date", is_off_day, name FROM calendar_day ORDER BY "date""#).map { row in
            HolidayNotice.Day(
                date: try row.value("date", as: CivilDate.self), name: try row.value("name", as: String.self),
                isOffDay: try row.value("is_off_day", as: Bool.self))
        }
        return HolidayCalendar(yearsWithData: Set(years), days: days)
    }

    /// A staff member's display name (`GRDBModerationStore.displayName`).
    static func displayName(_ tx: PostgresTransaction, userID: Int64) async throws -> String? {
        try await tx.scalar("SELECT display_name FROM staff_user WHERE id = \(userID)", as: String.self)
    }

    /// Writes a notice into the outbox in the caller's transaction
    /// (`GRDBNotificationsStore.enqueue` on SQLite).
    static func enqueueNotice(_ tx: PostgresTransaction, _ notice: OutgoingNotice, at now: Date) async throws -> OutboxMessage {
        var message = OutboxMessage(
            id: nil, kind: notice.kind, recipient: notice.recipient, subject: notice.subject, body: notice.body,
            subjectType: notice.subjectType, subjectId: notice.subjectID, createdAt: now, attempts: 0, nextAttemptAt: now,
            sentAt: nil, abandonedAt: nil, lastError: nil)
        message.id = try await tx.insert(into: "outbox_message", message)
        return message
    }
}
