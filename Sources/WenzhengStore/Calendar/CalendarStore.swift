import Foundation
import WenzhengCore

/// Holiday notices and the working-day calendar built from them.
///
/// The feature's storage contract: intention-named methods, each one
/// transaction. `GRDBCalendarStore` implements it over SQLite.
public protocol CalendarStore: Sendable {
    /// The working-day calendar as the database holds it: the shipped years
    /// (migration `v4-working-day-calendar`) and every import since.
    ///
    /// Cheap (a few dozen rows a year), so callers can read it per use and
    /// see an import made by another process, such as the CLI.
    func workingDayCalendar() async throws -> HolidayCalendar

    /// The years loaded, oldest first.
    func calendarYears() async throws -> [HolidayNoticeSummary]

    /// Loads a year's notice, replacing what an earlier import (or the
    /// shipped data) said for that year, and records it in the audit log.
    ///
    /// A notice's dates in a neighbouring year are kept too, unless that
    /// year's own notice already speaks about the date: a year's own notice
    /// is the authority (`HolidayCalendar.noticeTakesPrecedence`).
    ///
    /// - Parameter source: where the notice came from, for `calendar years`
    ///   (`file:2027.json`).
    @discardableResult
    func importHolidayNotice(_ notice: HolidayNotice, source: String, actor: AuditActor, at now: Date) async throws -> CalendarImportResult
}
