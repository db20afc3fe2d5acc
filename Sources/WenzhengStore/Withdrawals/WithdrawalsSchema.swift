import GRDB
import WenzhengCore

/// The withdrawals' tables (published text taken down, item 23).
enum WithdrawalsSchema {
    /// Migration `v12-withdrawals` (issue 9, item 23; docs/security.md,
    /// "Withdrawing published text"):
    ///
    /// - `publication_withdrawal`: one row per withdrawal of a published
    ///   text (a letter, a reply, a transcript entry; comments later), with
    ///   who, when and why, and who published it again, when, with which
    ///   corrected (masked) text. At most one row per text is in force.
    /// - `transcript_withdrawal_event`: the numbered events of an
    ///   interview's live stream that withdraw an entry or publish it again
    ///   (docs/live-protocol.md), in the same sequence as entries and
    ///   corrections.
    /// - `letter_event.reply_round` and four timeline kinds, so the office's
    ///   letter timeline shows which reply was withdrawn.
    ///
    /// Plain SQL with literal lists, so later changes to the enums cannot
    /// change what this migration did. Comments widen the `subject_kind`
    /// list with `widenCheckList`.
    static func createWithdrawals(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE publication_withdrawal (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    subject_kind TEXT NOT NULL CHECK ("subject_kind" IN ('letter', 'letter_reply', 'transcript_entry')),
                    subject_id INTEGER NOT NULL,
                    reason TEXT NOT NULL CHECK (LENGTH(reason) > 0 AND LENGTH(reason) <= 500),
                    withdrawn_by INTEGER NOT NULL REFERENCES staff_user(id) ON DELETE RESTRICT,
                    withdrawn_at DATETIME NOT NULL,
                    republished_by INTEGER REFERENCES staff_user(id) ON DELETE RESTRICT,
                    republished_at DATETIME,
                    -- The corrected public text, masked: what the public reads
                    -- from then on (a letter: subject, line break, body).
                    republished_text TEXT CHECK (LENGTH(republished_text) > 0),
                    CHECK ((republished_by IS NULL) = (republished_at IS NULL)),
                    CHECK ((republished_at IS NULL) = (republished_text IS NULL))
                );
                CREATE INDEX publication_withdrawal_on_subject ON publication_withdrawal(subject_kind, subject_id, id);
                -- One withdrawal in force per text.
                CREATE UNIQUE INDEX publication_withdrawal_in_force ON publication_withdrawal(subject_kind, subject_id)
                    WHERE republished_at IS NULL;

                CREATE TABLE transcript_withdrawal_event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    interview_id INTEGER NOT NULL REFERENCES interview(id) ON DELETE CASCADE,
                    seq INTEGER NOT NULL,
                    entry_id INTEGER NOT NULL REFERENCES transcript_entry(id) ON DELETE CASCADE,
                    withdrawal_id INTEGER NOT NULL REFERENCES publication_withdrawal(id) ON DELETE RESTRICT,
                    kind TEXT NOT NULL CHECK (kind IN ('withdrawn', 'republished')),
                    -- The entry's version after the event.
                    version INTEGER NOT NULL,
                    UNIQUE (interview_id, seq)
                );
                CREATE INDEX transcript_withdrawal_event_on_entry ON transcript_withdrawal_event(entry_id, seq);

                ALTER TABLE letter_event ADD COLUMN reply_round INTEGER CHECK (reply_round >= 1);
                """)
        try SchemaChanges.widenCheckList(
            db, table: "letter_event", column: "kind",
            to: [
                "submitted", "accepted", "transferred", "rejected", "assigned", "drafted", "returned", "signed_off",
                "replied_on_the_spot", "extended", "paused", "resumed", "correction_notice", "restarted", "rated", "reopened",
                "overdue", "published", "withdrawn", "unpublished", "republished", "reply_unpublished", "reply_republished",
            ])
    }
}
