import Foundation
import WenzhengCore

/// `GRDBCalendarDependent` on PostgreSQL: a feature with working-day
/// deadlines, recomputed inside a holiday notice's import transaction.
protocol PostgresCalendarDependent: Sendable {
    func calendarChanged(_ tx: PostgresTransaction, calendar: HolidayCalendar, at now: Date) async throws
}
