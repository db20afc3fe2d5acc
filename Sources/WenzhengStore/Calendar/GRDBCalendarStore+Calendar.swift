import Foundation
import GRDB
import WenzhengCore

extension GRDBCalendarStore {
    /// The working-day calendar as the database holds it: the shipped years
    /// (migration `v4-working-day-calendar`) and every import since.
    ///
    /// Cheap (a few dozen rows a year), so callers can read it per use and
    /// see an import made by another process, such as the CLI.
    func workingDayCalendar() async throws -> HolidayCalendar {
        try await reader.read { db in try Self.holidayCalendar(db) }
    }

    /// The years loaded, oldest first.
    func calendarYears() async throws -> [HolidayNoticeSummary] {
        try await reader.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT holiday_notice.year, holiday_notice.papers_json, holiday_notice.source,
                           holiday_notice.imported_at, holiday_notice.imported_by,
                           COUNT(CASE WHEN calendar_day.is_off_day THEN 1 END) AS off_days,
                           COUNT(CASE WHEN NOT calendar_day.is_off_day THEN 1 END) AS make_up_days
                    FROM holiday_notice
                    LEFT JOIN calendar_day ON calendar_day.notice_year = holiday_notice.year
                    GROUP BY holiday_notice.year
                    ORDER BY holiday_notice.year
                    """)
            return rows.map { row in
                HolidayNoticeSummary(
                    year: row["year"], papers: Self.decodePapers(row["papers_json"]), source: row["source"],
                    importedAt: row["imported_at"], importedBy: row["imported_by"], offDays: row["off_days"],
                    makeUpWorkingDays: row["make_up_days"])
            }
        }
    }

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
    func importHolidayNotice(
        _ notice: HolidayNotice, source: String, actor: AuditActor, at now: Date
    ) async throws -> CalendarImportResult {
        let source = source.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !source.isEmpty else { throw StoreError.invalid(ValidationFailure([.required("source")])) }

        return try await writer.write { db in
            let before = try Self.calendarDayRecords(db)
            let earlier = try HolidayNoticeRecord.fetchOne(db, key: notice.year)
            let daysBefore = before.values.filter { $0.noticeYear == notice.year }.count

            let record = HolidayNoticeRecord(
                year: notice.year, papersJson: notice.papersJSON, source: source, importedAt: now,
                importedBy: actor.name)
            // UPDATE, or INSERT for a new year. Then the year's days are
            // replaced wholesale, so a day the new notice drops is gone.
            try record.save(db)
            try CalendarDayRecord.filter(CalendarDayRecord.Columns.noticeYear == notice.year).deleteAll(db)
            for day in notice.days {
                if let other = try CalendarDayRecord.fetchOne(db, key: day.date.description) {
                    guard HolidayCalendar.noticeTakesPrecedence(noticeYear: notice.year, over: other.noticeYear, on: day.date)
                    else { continue }
                    try other.delete(db)
                }
                try CalendarDayRecord(day, noticeYear: notice.year).insert(db)
            }

            let after = try Self.calendarDayRecords(db)
            let result = try Self.difference(
                year: notice.year, replacedEarlierNotice: earlier != nil, before: before, after: after,
                daysBefore: daysBefore)

            let audited = ImportAuditState.states(earlier: earlier, daysBefore: daysBefore, notice: notice, source: source, result: result)
            try AuditEntry.record(
                db, actor: actor, action: "calendar.import", subjectType: "holiday_notice",
                subjectID: String(notice.year), before: audited.before, after: audited.after, at: now)

            // Every deadline counted in working days moves with the calendar,
            // in this transaction: deferred questions, letters and replies.
            let calendar = try Self.holidayCalendar(db)
            for dependent in dependents { try dependent.calendarChanged(db, calendar: calendar, at: now) }
            return result
        }
    }

    // MARK: Helpers

    /// An import's audit line, before and after, as both backends record it.
    struct ImportAuditState: Encodable {
        var year: Int
        var source: String
        var papers: [String]
        var days: Int
        var added: Int?
        var removed: Int?
        var changed: Int?

        static func states(
            earlier: HolidayNoticeRecord?, daysBefore: Int, notice: HolidayNotice, source: String, result: CalendarImportResult
        ) -> (before: ImportAuditState?, after: ImportAuditState) {
            (
                earlier.map {
                    ImportAuditState(year: $0.year, source: $0.source, papers: decodePapers($0.papersJson), days: daysBefore)
                },
                ImportAuditState(
                    year: notice.year, source: source, papers: notice.papers, days: result.daysAfter,
                    added: result.added.count, removed: result.removed.count, changed: result.changed.count)
            )
        }
    }

    static func holidayCalendar(_ db: Database) throws -> HolidayCalendar {
        let years = try HolidayNoticeRecord.select(HolidayNoticeRecord.Columns.year, as: Int.self).fetchAll(db)
        let days = try CalendarDayRecord.fetchAll(db).map { try $0.day() }
        return HolidayCalendar(yearsWithData: Set(years), days: days)
    }

    private static func calendarDayRecords(_ db: Database) throws -> [String: CalendarDayRecord] {
        Dictionary(uniqueKeysWithValues: try CalendarDayRecord.fetchAll(db).map { ($0.date, $0) })
    }

    static func difference(
        year: Int, replacedEarlierNotice: Bool, before: [String: CalendarDayRecord], after: [String: CalendarDayRecord],
        daysBefore: Int
    ) throws -> CalendarImportResult {
        var added: [HolidayNotice.Day] = []
        var removed: [HolidayNotice.Day] = []
        var changed: [CalendarImportResult.ChangedDay] = []
        for date in Set(before.keys).union(after.keys).sorted() {
            switch (try before[date]?.day(), try after[date]?.day()) {
            case (nil, let new?): added.append(new)
            case (let old?, nil): removed.append(old)
            case (let old?, let new?) where old != new: changed.append(.init(before: old, after: new))
            default: break
            }
        }
        return CalendarImportResult(
            year: year, replacedEarlierNotice: replacedEarlierNotice, daysBefore: daysBefore,
            daysAfter: after.values.filter { $0.noticeYear == year }.count, added: added, removed: removed,
            changed: changed)
    }

    static func decodePapers(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}
