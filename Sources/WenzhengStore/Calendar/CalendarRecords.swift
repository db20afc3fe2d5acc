import Foundation
import GRDB
import WenzhengCore

/// A State Council holiday notice as loaded: one row per year.
struct HolidayNoticeRecord: Codable, Sendable, SnakeCaseRecord, PersistableRecord {
    var year: Int
    /// The notice's links, a JSON array of strings.
    var papersJson: String
    var source: String
    var importedAt: Date
    var importedBy: String

    static let databaseTableName = "holiday_notice"

    enum Columns {
        static let year = Column("year")
    }
}

/// One date a notice speaks about: a day off, or a make-up working day.
/// The date is the key, so each date has one answer.
struct CalendarDayRecord: Codable, Sendable, SnakeCaseRecord, PersistableRecord {
    /// `2026-02-15`.
    var date: String
    var isOffDay: Bool
    var name: String
    /// The notice this row came from; deleting (or re-importing) the
    /// notice takes its rows with it.
    var noticeYear: Int

    static let databaseTableName = "calendar_day"

    enum Columns {
        static let noticeYear = Column("notice_year")
    }

    init(_ day: HolidayNotice.Day, noticeYear: Int) {
        self.date = day.date.description
        self.isOffDay = day.isOffDay
        self.name = day.name
        self.noticeYear = noticeYear
    }

    /// The row as the domain sees it. The schema only checks the date's
    /// length, so a row edited by hand into a non-date is an error, not a
    /// silently missing holiday.
    func day() throws -> HolidayNotice.Day {
        guard let civil = CivilDate(date) else {
            throw StoreError.invalid(ValidationFailure([.invalid("date", "calendar_day holds '\(date)', which is not a date")]))
        }
        return HolidayNotice.Day(date: civil, name: name, isOffDay: isOffDay)
    }
}

/// A loaded year, as `wenzheng calendar years` lists it.
public struct HolidayNoticeSummary: Codable, Sendable, Equatable {
    public var year: Int
    public var papers: [String]
    /// `shipped`, or where the import came from.
    public var source: String
    public var importedAt: Date
    /// `migration:…` for the shipped years, else the audit actor's name.
    public var importedBy: String
    public var offDays: Int
    public var makeUpWorkingDays: Int
}

/// What importing a notice changed in the calendar.
public struct CalendarImportResult: Sendable, Equatable {
    /// A date whose answer changed.
    public struct ChangedDay: Sendable, Equatable {
        public var before: HolidayNotice.Day
        public var after: HolidayNotice.Day
    }

    public var year: Int
    /// The year already had a notice, which this one replaced.
    public var replacedEarlierNotice: Bool
    /// Rows of this year's notice before and after.
    public var daysBefore: Int
    public var daysAfter: Int
    /// Dates the calendar did not mention before.
    public var added: [HolidayNotice.Day]
    /// Dates the calendar no longer mentions (they are ordinary weekdays or
    /// weekends again).
    public var removed: [HolidayNotice.Day]
    /// Dates whose name or day-off status changed.
    public var changed: [ChangedDay]

    public var isUnchanged: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Every date whose answer may differ now.
    public var affectedDates: [CivilDate] {
        (added.map(\.date) + removed.map(\.date) + changed.map(\.after.date)).sorted()
    }
}
