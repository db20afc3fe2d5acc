import Foundation
import GRDB
import WenzhengCore

/// `MailboxStore` over the shared SQLite connection pool (GRDB).
struct GRDBMailboxStore: MailboxStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }
    /// Where letter notices link to (`AppDatabase.init(_:noticeLinks:)`).
    var links = LetterNoticeLinks.localDefault
}

extension GRDBMailboxStore: GRDBModerationSubject {
    static var moderationSourceType: String { letterSourceType }

    /// An approved letter becomes public and searchable.
    func moderationDecided(_ db: Database, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) throws
        -> ModerationEffect
    {
        try Self.applyLetterModeration(db, item, at: now)
    }
}

extension GRDBMailboxStore: GRDBCalendarDependent {
    /// Open letters: due date, provisional flag and overdue flag from their
    /// stored clock events (`LetterClock`); replied letters and replies whose
    /// deadline was provisional too, so an on-time figure never rests on a
    /// provisional date.
    func calendarChanged(_ db: Database, calendar: HolidayCalendar, at now: Date) throws {
        try Self.recomputeDeadlines(db, calendar: calendar, at: now)
    }
}
