import GRDB
import WenzhengCore

/// The working-day calendar's tables.
enum CalendarSchema {
    static func createWorkingDayCalendar(_ db: Database) throws {
        let years = HolidayNotice.supportedYears
        // One row per State Council notice (one per year); its days go with it.
        try db.create(table: "holiday_notice") { t in
            t.primaryKey("year", .integer).check { $0 >= years.lowerBound && $0 <= years.upperBound }
            t.column("papers_json", .text).notNull()
            // "shipped", or where an import came from ("file:2027.json").
            t.column("source", .text).notNull().check { length($0) > 0 }
            t.column("imported_at", .datetime).notNull()
            t.column("imported_by", .text).notNull()
        }
        // One row per date, so a date is a holiday or a make-up day exactly
        // once. A notice may list a neighbouring year's date (2022-12-31 in
        // the 2023 notice); anything further away is a mistake.
        try db.create(table: "calendar_day") { t in
            t.primaryKey("date", .text).check { length($0) == 10 }
            t.column("is_off_day", .boolean).notNull()
            t.column("name", .text).notNull().check { length($0) > 0 }
            t.column("notice_year", .integer).notNull().indexed().references("holiday_notice", onDelete: .cascade)
            t.check(sql: "CAST(substr(date, 1, 4) AS INTEGER) BETWEEN notice_year - 1 AND notice_year + 1")
        }

        // Seed the notices shipped when this migration was written, with
        // plain SQL so that later changes to the import code cannot change
        // what this migration did. Later years come by import or by a later
        // migration, never by editing this one. Migrations have no injected
        // clock: imported_at is SQLite's UTC time when this database was
        // created, in a form GRDB reads as a Date.
        for notice in ShippedHolidayNotices.all where [2025, 2026].contains(notice.year) {
            try db.execute(
                sql: """
                    INSERT INTO holiday_notice (year, papers_json, source, imported_at, imported_by)
                    VALUES (?, ?, 'shipped', CURRENT_TIMESTAMP, 'migration:v4-working-day-calendar')
                    """,
                arguments: [notice.year, notice.papersJSON])
            for day in notice.days {
                try db.execute(
                    sql: "INSERT INTO calendar_day (date, is_off_day, name, notice_year) VALUES (?, ?, ?, ?)",
                    arguments: [day.date.description, day.isOffDay, day.name, notice.year])
            }
        }
    }
}
