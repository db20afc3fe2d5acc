import Foundation
import WenzhengCore

/// The working-day calendar on PostgreSQL: the final SQLite schema of
/// `v4-working-day-calendar`. Each imported State Council holiday notice
/// (one per year) owns the days it declares off or working.
enum CalendarPostgresSchema {
    static let create: [String] = [
        """
        CREATE TABLE holiday_notice (
            year BIGINT PRIMARY KEY CHECK (year >= 2000 AND year <= 2100),
            papers_json TEXT NOT NULL,
            source TEXT NOT NULL CHECK (LENGTH(source) > 0),
            imported_at TIMESTAMPTZ NOT NULL,
            imported_by TEXT NOT NULL
        )
        """,
        // A notice declares days of its own year and, for the New Year and
        // Spring Festival bridges, the neighbouring ones; never further.
        // SQLite checks the year through `substr` of the text date.
        """
        CREATE TABLE calendar_day (
            "date" DATE PRIMARY KEY,
            is_off_day BOOLEAN NOT NULL,
            name TEXT NOT NULL CHECK (LENGTH(name) > 0),
            notice_year BIGINT NOT NULL REFERENCES holiday_notice(year) ON DELETE CASCADE,
            CHECK (EXTRACT(YEAR FROM "date") BETWEEN notice_year - 1 AND notice_year + 1)
        )
        """,
        "CREATE INDEX calendar_day_on_notice_year ON calendar_day(notice_year)",
    ]
}

extension CalendarPostgresSchema {
    /// Migration `pg13-calendar-shipped-years`: the notices SQLite's
    /// `v4-working-day-calendar` seeds (2025 and 2026), which `pg4-calendar`
    /// left out. Without them a new PostgreSQL database knows no holiday
    /// and every working-day deadline is provisional. Literal SQL (the
    /// statements take no parameters), quoted here; `imported_at` is the
    /// server's time when the database was migrated, as on SQLite.
    static var seedShippedYears: [String] {
        func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        var statements: [String] = []
        for notice in ShippedHolidayNotices.all where [2025, 2026].contains(notice.year) {
            statements.append(
                """
                INSERT INTO holiday_notice (year, papers_json, source, imported_at, imported_by)
                VALUES (\(notice.year), \(literal(notice.papersJSON)), 'shipped', now(), 'migration:v4-working-day-calendar')
                ON CONFLICT (year) DO NOTHING
                """)
            let rows = notice.days.map { day in
                "(DATE \(literal(day.date.description)), \(day.isOffDay ? "TRUE" : "FALSE"), \(literal(day.name)), \(notice.year))"
            }
            statements.append(
                """
                INSERT INTO calendar_day ("date", is_off_day, name, notice_year) VALUES \(rows.joined(separator: ", "))
                ON CONFLICT ("date") DO NOTHING
                """)
        }
        return statements
    }
}
