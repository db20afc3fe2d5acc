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

extension NotificationsSchema {
    /// Migration `v18-notification-addresses`: where the office is told of
    /// letters, and the record that makes each department's daily digest
    /// once per office day.
    ///
    /// The address belongs to the department (a shared mailbox such as
    /// `xfc@sft.example.cn`), not to staff accounts: the work is the
    /// department's, a shared mailbox survives leave and staff changes, and
    /// it keeps staff members' own addresses out of this database.
    static func addNotificationAddresses(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE department ADD COLUMN notice_email TEXT
                    CHECK (notice_email IS NULL OR LENGTH(notice_email) BETWEEN 3 AND 254);
                CREATE TABLE letter_digest (
                    department_id INTEGER NOT NULL REFERENCES department(id) ON DELETE CASCADE,
                    -- The office day (Beijing) the digest was made for: YYYY-MM-DD.
                    office_day TEXT NOT NULL CHECK (LENGTH(office_day) = 10),
                    -- Letters listed; 0 when there was nothing to send.
                    letters INTEGER NOT NULL CHECK (letters >= 0),
                    -- The notice, when one was written (NULL for an empty digest).
                    outbox_message_id INTEGER REFERENCES outbox_message(id) ON DELETE SET NULL,
                    created_at DATETIME NOT NULL,
                    PRIMARY KEY (department_id, office_day)
                );
                """)
    }
}
