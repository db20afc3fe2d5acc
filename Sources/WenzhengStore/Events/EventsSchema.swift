import GRDB

/// Open days and their registrations, and what the calendar and the plan
/// check need of interviews (docs/events-design.md). Plain SQL with literal
/// lists, so later changes to the Swift enums cannot change what this
/// migration did.
enum EventsSchema {
    /// Migration `v16-events`.
    static func createEvents(_ db: Database) throws {
        try createOpenDays(db)
        try addInterviewRevisionAndAnnouncement(db)
    }

    static func createOpenDays(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE open_day (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    title TEXT NOT NULL CHECK (LENGTH(title) BETWEEN 1 AND 120),
                    programme TEXT NOT NULL CHECK (LENGTH(programme) BETWEEN 1 AND 5000),
                    location TEXT NOT NULL CHECK (LENGTH(location) BETWEEN 1 AND 200),
                    starts_at DATETIME NOT NULL,
                    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
                    -- Seats, counting every person of a party.
                    capacity INTEGER NOT NULL CHECK (capacity > 0),
                    registration_opens_at DATETIME NOT NULL,
                    registration_closes_at DATETIME NOT NULL CHECK (registration_closes_at > registration_opens_at),
                    state TEXT NOT NULL CHECK (state IN ('scheduled', 'rescheduled', 'cancelled', 'held')),
                    -- The iCalendar SEQUENCE: raised by every reschedule and
                    -- by the cancellation.
                    revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
                    cancellation_reason TEXT CHECK (cancellation_reason IS NULL OR LENGTH(cancellation_reason) BETWEEN 1 AND 500),
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    cancelled_at DATETIME,
                    held_at DATETIME,
                    CHECK ((state = 'cancelled') = (cancellation_reason IS NOT NULL AND cancelled_at IS NOT NULL)),
                    CHECK ((state = 'held') = (held_at IS NOT NULL))
                );
                CREATE INDEX open_day_on_start ON open_day(starts_at);

                -- Registrations in arrival order (id): the order of the
                -- waitlist. Rows are never deleted; a cancelled one stays
                -- with its code, so a code is never handed out twice.
                CREATE TABLE open_day_registration (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    open_day_id INTEGER NOT NULL REFERENCES open_day(id) ON DELETE RESTRICT,
                    -- ConfirmationCode: 8 symbols, without the dash.
                    code TEXT NOT NULL CHECK (LENGTH(code) = 8),
                    name TEXT NOT NULL CHECK (LENGTH(name) BETWEEN 1 AND 40),
                    -- MobileNumber: 11 ASCII digits.
                    phone TEXT NOT NULL CHECK (LENGTH(phone) = 11),
                    email TEXT CHECK (email IS NULL OR LENGTH(email) BETWEEN 3 AND 100),
                    party_size INTEGER NOT NULL CHECK (party_size BETWEEN 1 AND 3),
                    status TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled', 'checked_in')),
                    registered_at DATETIME NOT NULL,
                    -- Seated from the waitlist.
                    promoted_at DATETIME,
                    cancelled_at DATETIME,
                    checked_in_at DATETIME,
                    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
                    CHECK ((status = 'checked_in') = (checked_in_at IS NOT NULL)),
                    UNIQUE (open_day_id, code)
                );
                -- One live registration per phone and open day; after a
                -- cancellation the phone may register again.
                CREATE UNIQUE INDEX open_day_registration_live_phone
                    ON open_day_registration(open_day_id, phone) WHERE status <> 'cancelled';
                """)
    }

    /// The interview's iCalendar SEQUENCE (`revision`, raised when its
    /// title, start or length changes) and when it was announced
    /// (`announced_at`: it became public, by opening for questions or by
    /// going live unannounced), for the plan check's notice days.
    ///
    /// Interviews already public take the time of the audit entry that
    /// made them so (`interview.status` to `open` or `live`), else the
    /// time they were created: the earliest they can have been announced.
    static func addInterviewRevisionAndAnnouncement(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE interview ADD COLUMN revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0);
                ALTER TABLE interview ADD COLUMN announced_at DATETIME;
                UPDATE interview SET announced_at = COALESCE(
                    (SELECT MIN(audit_entry.recorded_at) FROM audit_entry
                     WHERE audit_entry.action = 'interview.status' AND audit_entry.subject_type = 'interview'
                       AND audit_entry.subject_id = CAST(interview.id AS TEXT)
                       AND json_extract(audit_entry.after_json, '$.status') IN ('open', 'live')),
                    created_at)
                WHERE status <> 'scheduled';
                """)
    }
}
