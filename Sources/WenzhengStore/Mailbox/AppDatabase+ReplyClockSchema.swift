import Foundation
import GRDB
import WenzhengCore

extension AppDatabase {
    /// Migration `v9-reply-clock` (issue 9, items 13–22; docs/mailbox-design.md):
    ///
    /// - the state `withdrawn` (视为放弃, art. 30) and its timeline event;
    /// - why a clock stopped (`letter_event.clock_reason`);
    /// - the acceptance date (受理日期), taken from the timeline for letters
    ///   already accepted;
    /// - every reply kept (`letter_reply`), the first one no longer
    ///   overwritten by the answer to a follow-up;
    /// - information-disclosure periods capped at 20 working days (art. 33).
    ///
    /// Plain SQL with literal lists, so later changes to the enums cannot
    /// change what this migration did.
    static func extendMailboxForTheReplyClock(_ db: Database) throws {
        try widenCheckList(
            db, table: "letter", column: "state",
            to: ["received", "accepted", "transferred", "rejected", "assigned", "awaiting_sign_off", "replied", "withdrawn"])
        try widenCheckList(
            db, table: "letter_event", column: "kind",
            to: [
                "submitted", "accepted", "transferred", "rejected", "assigned", "drafted", "returned", "signed_off",
                "replied_on_the_spot", "extended", "paused", "resumed", "correction_notice", "restarted", "rated", "reopened",
                "overdue", "published", "withdrawn",
            ])

        try db.execute(
            sql: """
                ALTER TABLE letter_event ADD COLUMN clock_reason TEXT
                    CHECK (clock_reason IN ('third_party', 'other_agency', 'correction'));

                -- 受理日期: the office's date (Beijing, UTC+8) of acceptance, or of
                -- an answer on the spot, which accepts and answers at once.
                ALTER TABLE letter ADD COLUMN accepted_on TEXT CHECK (LENGTH(accepted_on) = 10);
                UPDATE letter SET accepted_on = (
                    SELECT date(MIN(recorded_at), '+8 hours') FROM letter_event
                    WHERE letter_event.letter_id = letter.id AND letter_event.kind IN ('accepted', 'replied_on_the_spot'));

                -- Every reply sent, in order: round 1 answers the letter, round 2
                -- the follow-up. `due_on` is the deadline of the reply's own period
                -- (NULL: sent while the clock was stopped, which counts as on time);
                -- `working_days` is what the clock counted (pauses and the wait for
                -- a correction left out). NULL `working_days` marks a row the
                -- store has still to compute (rows copied below).
                CREATE TABLE letter_reply (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    letter_id INTEGER NOT NULL REFERENCES letter(id) ON DELETE RESTRICT,
                    round INTEGER NOT NULL CHECK (round >= 1),
                    body TEXT NOT NULL CHECK (LENGTH(body) > 0 AND LENGTH(body) <= 10000),
                    department_id INTEGER NOT NULL REFERENCES department(id) ON DELETE RESTRICT,
                    replied_at DATETIME NOT NULL,
                    replied_on TEXT NOT NULL CHECK (LENGTH(replied_on) = 10),
                    due_on TEXT CHECK (LENGTH(due_on) = 10),
                    due_provisional BOOLEAN NOT NULL DEFAULT 0,
                    working_days INTEGER CHECK (working_days >= 0),
                    rating TEXT CHECK (rating IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
                    rated_at DATETIME,
                    UNIQUE (letter_id, round),
                    CHECK ((rating IS NULL) = (rated_at IS NULL))
                );
                CREATE INDEX letter_reply_on_replied_on ON letter_reply(replied_on);

                -- The replies sent so far are the signed-off drafts (an answer on
                -- the spot is one too), oldest first, sent at their sign-off. A
                -- reply's rating is the first one after it: a reply is rated once,
                -- and the next reply needs an unsatisfied rating first.
                INSERT INTO letter_reply (letter_id, round, body, department_id, replied_at, replied_on)
                SELECT letter_draft.letter_id,
                       ROW_NUMBER() OVER (PARTITION BY letter_draft.letter_id ORDER BY letter_draft.id),
                       letter_draft.body, letter.reply_department_id, letter_draft.reviewed_at,
                       date(letter_draft.reviewed_at, '+8 hours')
                FROM letter_draft JOIN letter ON letter.id = letter_draft.letter_id
                WHERE letter_draft.review_state = 'signed_off' AND letter.reply_department_id IS NOT NULL;
                UPDATE letter_reply SET
                    rating = (
                        SELECT note FROM letter_event
                        WHERE letter_event.letter_id = letter_reply.letter_id AND letter_event.kind = 'rated'
                          AND letter_event.recorded_at >= letter_reply.replied_at
                        ORDER BY letter_event.id LIMIT 1),
                    rated_at = (
                        SELECT recorded_at FROM letter_event
                        WHERE letter_event.letter_id = letter_reply.letter_id AND letter_event.kind = 'rated'
                          AND letter_event.recorded_at >= letter_reply.replied_at
                        ORDER BY letter_event.id LIMIT 1);

                -- Art. 33: 20 working days, longer only by an approved extension.
                UPDATE deadline_policy SET working_days = 20
                WHERE letter_type = 'information_disclosure' AND working_days > 20;
                UPDATE letter SET policy_days = 20 WHERE type = 'information_disclosure' AND policy_days > 20;
                CREATE TRIGGER deadline_policy_disclosure_cap_insert BEFORE INSERT ON deadline_policy
                WHEN new.letter_type = 'information_disclosure' AND new.working_days > 20
                BEGIN SELECT RAISE(ABORT, 'an information-disclosure period is at most 20 working days'); END;
                CREATE TRIGGER deadline_policy_disclosure_cap_update BEFORE UPDATE ON deadline_policy
                WHEN new.letter_type = 'information_disclosure' AND new.working_days > 20
                BEGIN SELECT RAISE(ABORT, 'an information-disclosure period is at most 20 working days'); END;
                """)
    }

    /// Replaces the `CHECK ("column" IN (…))` of `table` with a longer
    /// list, by SQLite's documented procedure for loosening a constraint in
    /// place (ALTER TABLE, "making other kinds of table schema changes"):
    /// every row that passed the old list passes the new one, so nothing
    /// needs copying. The table's other constraints, indexes and triggers
    /// stay exactly as they were.
    ///
    /// The new list is the old one followed by the `values` it lacks: a
    /// widening never narrows. That matters on a fresh database, where an
    /// early migration that built its list from a Swift enum (`v5-mailbox`)
    /// already allows values a later widening adds again; on a database
    /// that ran this before, the result is the same as it always was.
    ///
    /// - Throws: when the check is not found, rather than guess.
    static func widenCheckList(_ db: Database, table: String, column: String, to values: [String]) throws {
        guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
        else { throw DatabaseError(message: "no table \(table)") }
        let prefix = "CHECK (\"\(column)\" IN ("
        guard let start = sql.range(of: prefix), let end = sql[start.upperBound...].range(of: "))") else {
            throw DatabaseError(message: "\(table).\(column) has no CHECK list to widen")
        }
        let old = sql[start.upperBound..<end.lowerBound].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        let widenedValues = old + values.filter { !old.contains($0) }
        let list = widenedValues.map { "'\($0)'" }.joined(separator: ", ")
        let widened = sql.replacingCharacters(in: start.upperBound..<end.lowerBound, with: list)
        guard widened != sql else { return }
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        try db.execute(sql: "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", arguments: [widened, table])
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        db.clearSchemaCache()
    }
}
