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
