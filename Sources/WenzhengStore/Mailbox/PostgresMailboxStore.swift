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
