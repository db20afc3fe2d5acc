import GRDB

/// The outbox: notices to people (an open day moved, cancelled, a seat
/// freed for a waitlisted party) written in the same transaction as the
/// change that causes them, and sent afterwards by the server's notifier.
/// The command line only ever writes here; it never talks to a mail server.
enum NotificationsSchema {
    /// Migration `v15-outbox`.
    static func createOutbox(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE outbox_message (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    -- What happened, dotted: open_day.rescheduled, registration.promoted.
                    kind TEXT NOT NULL CHECK (LENGTH(kind) BETWEEN 1 AND 64),
                    -- An e-mail address, or NULL when the person left none:
                    -- the notice is then only logged.
                    recipient TEXT CHECK (recipient IS NULL OR LENGTH(recipient) BETWEEN 3 AND 254),
                    subject TEXT NOT NULL CHECK (LENGTH(subject) BETWEEN 1 AND 200),
                    body TEXT NOT NULL CHECK (LENGTH(body) BETWEEN 1 AND 20000),
                    -- What the notice is about, for the log and the office: open_day 3.
                    subject_type TEXT NOT NULL,
                    subject_id TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    next_attempt_at DATETIME NOT NULL,
                    sent_at DATETIME,
                    -- Given up after the last attempt; last_error says why.
                    abandoned_at DATETIME,
                    last_error TEXT,
                    CHECK (sent_at IS NULL OR abandoned_at IS NULL)
                );
                CREATE INDEX outbox_message_due ON outbox_message(next_attempt_at)
                    WHERE sent_at IS NULL AND abandoned_at IS NULL;
                """)
    }
}
