import Foundation
import PostgresNIO
import WenzhengCore

/// `CalendarStore` on PostgreSQL: `GRDBCalendarStore`'s rules, query for
/// query. `calendar_day.date` is a DATE here (a `CivilDate`), text on SQLite.
struct PostgresCalendarStore: CalendarStore {
    let backend: PostgresBackend
    /// The features whose deadlines count working days.
    let dependents: [any PostgresCalendarDependent]

    func workingDayCalendar() async throws -> HolidayCalendar {
        try await backend.read { tx in try await Self.holidayCalendar(tx) }
    }

    func calendarYears() async throws -> [HolidayNoticeSummary] {
        try await backend.read { tx in
            let rows = try await tx.rows(
                """
                SELECT holiday_notice.year, holiday_notice.papers_json, holiday_notice.source,
                       holiday_notice.imported_at, holiday_notice.imported_by,
                       COUNT(CASE WHEN calendar_day.is_off_day THEN 1 END) AS off_days,
                       COUNT(CASE WHEN NOT calendar_day.is_off_day THEN 1 END) AS make_up_days
                FROM holiday_notice
                LEFT JOIN calendar_day ON calendar_day.notice_year = holiday_notice.year
                GROUP BY holiday_notice.year
                ORDER BY holiday_notice.year
                """)
            return try rows.map { row in
                HolidayNoticeSummary(
                    year: try row.value("year", as: Int.self), papers: GRDBCalendarStore.decodePapers(try row.value("papers_json")),
                    source: try row.value("source"), importedAt: try row.value("imported_at"), importedBy: try row.value("imported_by"),
                    offDays: try row.value("off_days", as: Int.self), makeUpWorkingDays: try row.value("make_up_days", as: Int.self))
            }
        }
    }

    @discardableResult
    func importHolidayNotice(
        _ notice: HolidayNotice, source: String, actor: AuditActor, at now: Date
    ) async throws -> CalendarImportResult {
        let source = source.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !source.isEmpty else { throw StoreError.invalid(ValidationFailure([.required("source")])) }
        let dependents = self.dependents

        return try await backend.write { tx in
            let before = try await Self.calendarDayRecords(tx)
            let earlier = try await tx.record(HolidayNoticeRecord.self, "SELECT * FROM holiday_notice WHERE year = \(notice.year)")
            let daysBefore = before.values.filter { $0.noticeYear == notice.year }.count

            // UPDATE, or INSERT for a new year (GRDB's `save`). Then the
            // year's days are replaced wholesale, so a day the new notice
            // drops is gone.
            try await tx.execute(
                """
                INSERT INTO holiday_notice (year, papers_json, source, imported_at, imported_by)
                VALUES (\(notice.year), \(notice.papersJSON), \(source), \(now), \(actor.name))
                ON CONFLICT (year) DO UPDATE SET papers_json = EXCLUDED.papers_json, source = EXCLUDED.source,
                    imported_at = EXCLUDED.imported_at, imported_by = EXCLUDED.imported_by
                """)
            try await tx.execute("DELETE FROM calendar_day WHERE notice_year = \(notice.year)")
            for day in notice.days {
                if let other = try await tx.scalar("SELECT notice_year FROM calendar_day WHERE \"date\" = \(day.date)", as: Int.self) {
                    guard HolidayCalendar.noticeTakesPrecedence(noticeYear: notice.year, over: other, on: day.date) else { continue }
                    try await tx.execute("DELETE FROM calendar_day WHERE \"date\" = \(day.date)")
                }
                try await tx.execute(
                    """
                    INSERT INTO calendar_day ("date", is_off_day, name, notice_year)
                    VALUES (\(day.date), \(day.isOffDay), \(day.name), \(notice.year))
                    """)
            }

            let after = try await Self.calendarDayRecords(tx)
            let result = try GRDBCalendarStore.difference(
                year: notice.year, replacedEarlierNotice: earlier != nil, before: before, after: after,
                daysBefore: daysBefore)

            let audited = GRDBCalendarStore.ImportAuditState.states(
                earlier: earlier, daysBefore: daysBefore, notice: notice, source: source, result: result)
            try await AuditEntry.record(
                tx, actor: actor, action: "calendar.import", subjectType: "holiday_notice",
                subjectID: String(notice.year), before: audited.before, after: audited.after, at: now)

            // Every deadline counted in working days moves with the calendar,
            // in this transaction: deferred questions, letters and replies.
            let calendar = try await Self.holidayCalendar(tx)
            for dependent in dependents { try await dependent.calendarChanged(tx, calendar: calendar, at: now) }
            return result
        }
    }

    // MARK: Helpers

    /// The calendar as this transaction sees it (for the dependents'
    /// deadlines and the letter digest).
    static func holidayCalendar(_ tx: PostgresTransaction) async throws -> HolidayCalendar {
        let years = try await tx.rows("SELECT year FROM holiday_notice ORDER BY year").map { try $0.value("year", as: Int.self) }
        let days = try await calendarDayRecords(tx).values.map { try $0.day() }
        return HolidayCalendar(yearsWithData: Set(years), days: days)
    }

    private static func calendarDayRecords(_ tx: PostgresTransaction) async throws -> [String: CalendarDayRecord] {
        let rows = try await tx.rows("SELECT \"date\", is_off_day, name, notice_year FROM calendar_day ORDER BY \"date\"")
        return Dictionary(
            uniqueKeysWithValues: try rows.map { row in
                let day = HolidayNotice.Day(
                    date: try row.value("date", as: CivilDate.self), name: try row.value("name"), isOffDay: try row.value("is_off_day"))
                let record = CalendarDayRecord(day, noticeYear: try row.value("notice_year", as: Int.self))
                return (record.date, record)
            })
    }
}
