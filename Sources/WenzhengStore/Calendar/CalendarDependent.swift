import Foundation
import GRDB
import WenzhengCore

/// A feature with working-day deadlines, recomputed inside a holiday
/// notice's import transaction, so no deadline disagrees with the calendar
/// committed with it.
protocol GRDBCalendarDependent: Sendable {
    func calendarChanged(_ db: Database, calendar: HolidayCalendar, at now: Date) throws
}
