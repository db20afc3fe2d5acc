import GRDB
import WenzhengCore

/// The mailbox's tables.
enum MailboxSchema {
    /// Migration `v5-mailbox`: the leader's mailbox (docs/mailbox-design.md).
    static func createMailbox(_ db: Database) throws {
        let types = LetterType.allCases.map(\.rawValue)
        let states = LetterState.allCases.map(\.rawValue)
        let reasons = TriageRejection.allCases.map(\.rawValue)
        let ratings = ReplyRating.allCases.map(\.rawValue)
        let eventKinds = LetterEventKind.allCases.map(\.rawValue)
        let clockKinds = ClockEvent.Kind.allCases.map(\.rawValue)
        let reviewStates = DraftReviewState.allCases.map(\.rawValue)

        try db.create(table: "letter") { t in
            t.autoIncrementedPrimaryKey("id")
            // `2026-000123`: the year in Beijing time, then its sequence.
            t.column("number", .text).notNull().unique().check { length($0) >= 11 && length($0) <= 16 }
            t.column("type", .text).notNull().check { types.contains($0) }
            t.column("subject", .text).notNull().check { length($0) > 0 && length($0) <= LetterRules.subjectMaxLength }
            t.column("body", .text).notNull().check { length($0) > 0 && length($0) <= LetterRules.bodyMaxLength }
            t.column("author_name", .text).notNull().check { length($0) > 0 && length($0) <= LetterRules.nameMaxLength }
            t.column("phone", .text).check { length($0) > 0 && length($0) <= LetterRules.contactMaxLength }
            t.column("email", .text).check { length($0) > 0 && length($0) <= LetterRules.contactMaxLength }
            t.column("may_publish", .boolean).notNull()
            // The query password's bcrypt hash; the password itself is shown
            // to the citizen once and never stored.
            t.column("password_hash", .text).notNull().check { length($0) > 0 }
            // The form's hidden key: a double submit is one letter.
            t.column("idempotency_key", .text).unique().check { length($0) > 0 && length($0) <= LetterRules.idempotencyKeyMaxLength }
            t.column("state", .text).notNull().check { states.contains($0) }
            t.column("received_at", .datetime).notNull()
            // The office's date of receipt (not counted): `2026-09-18`.
            t.column("received_on", .text).notNull().check { length($0) == 10 }
            // The policy's period when received (or when the lead department
            // was assigned, if it has its own policy).
            t.column("policy_days", .integer).notNull()
                .check { $0 >= LetterRules.policyWorkingDaysRange.lowerBound && $0 <= LetterRules.policyWorkingDaysRange.upperBound }
            // Recomputed by `LetterClock` from the clock events on every
            // clock event and every calendar import. NULL while paused.
            t.column("due_on", .text).check { length($0) == 10 }
            t.column("due_provisional", .boolean).notNull().defaults(to: false)
            t.column("clock_paused", .boolean).notNull().defaults(to: false)
            // Set once by the overdue sweep (with an `overdue` event); cleared
            // when a clock event or an import moves the deadline back ahead.
            t.column("overdue", .boolean).notNull().defaults(to: false)
            t.column("lead_department_id", .integer).references("department", onDelete: .restrict)
            t.column("triage_reason", .text).check { reasons.contains($0) }
            t.column("transferred_to", .text).check { length($0) > 0 && length($0) <= LetterRules.authorityMaxLength }
            t.column("reply_body", .text).check { length($0) > 0 && length($0) <= LetterRules.replyMaxLength }
            t.column("replied_at", .datetime)
            t.column("replied_on", .text).check { length($0) == 10 }
            t.column("reply_department_id", .integer).references("department", onDelete: .restrict)
            t.column("rating", .text).check { ratings.contains($0) }
            t.column("rated_at", .datetime)
            t.column("follow_up_used", .boolean).notNull().defaults(to: false)
            t.column("follow_up_text", .text).check { length($0) > 0 && length($0) <= LetterRules.bodyMaxLength }
            t.column("moderation_item_id", .integer).unique().references("moderation_item", onDelete: .restrict)
            t.column("published_at", .datetime)
            t.column("client_address", .text)
            t.column("created_at", .datetime).notNull()
            t.column("updated_at", .datetime).notNull()

            t.check(sql: "phone IS NOT NULL OR email IS NOT NULL")
            t.check(sql: "state <> 'rejected' OR triage_reason IS NOT NULL")
            t.check(sql: "state <> 'transferred' OR transferred_to IS NOT NULL")
            t.check(sql: "state NOT IN ('assigned', 'awaiting_sign_off') OR lead_department_id IS NOT NULL")
            t.check(
                sql: """
                    state <> 'replied' OR (reply_body IS NOT NULL AND replied_at IS NOT NULL AND replied_on IS NOT NULL
                        AND reply_department_id IS NOT NULL)
                    """)
            t.check(sql: "(rating IS NULL) = (rated_at IS NULL)")
            t.check(sql: "rating IS NULL OR state = 'replied'")
            t.check(sql: "follow_up_used = (follow_up_text IS NOT NULL)")
            t.check(sql: "clock_paused = (due_on IS NULL)")
            t.check(sql: "published_at IS NULL OR moderation_item_id IS NOT NULL")
        }
        try db.create(index: "letter_on_state_due", on: "letter", columns: ["state", "due_on"])
        try db.create(index: "letter_on_lead_state", on: "letter", columns: ["lead_department_id", "state"])
        try db.create(index: "letter_on_published_at", on: "letter", columns: ["published_at"])
        try db.create(index: "letter_on_replied_on", on: "letter", columns: ["replied_on"])
        try db.create(index: "letter_on_received_on", on: "letter", columns: ["received_on"])

        // The lead department and co-handling departments of a letter.
        try db.create(table: "letter_assignment") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("letter_id", .integer).notNull().references("letter", onDelete: .cascade)
            t.column("department_id", .integer).notNull().indexed().references("department", onDelete: .restrict)
            t.column("is_lead", .boolean).notNull()
            // A co-handler's own date; NULL means the letter's due date, and
            // moves with it.
            t.column("due_on", .text).check { length($0) == 10 }
            t.column("assigned_at", .datetime).notNull()
            t.uniqueKey(["letter_id", "department_id"])
        }
        try db.execute(sql: "CREATE UNIQUE INDEX letter_assignment_one_lead ON letter_assignment(letter_id) WHERE is_lead")

        try db.create(table: "letter_draft") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("letter_id", .integer).notNull().indexed().references("letter", onDelete: .cascade)
            t.column("body", .text).notNull().check { length($0) > 0 && length($0) <= LetterRules.replyMaxLength }
            t.column("drafted_by", .integer).notNull().references("staff_user", onDelete: .restrict)
            t.column("drafted_at", .datetime).notNull()
            t.column("review_state", .text).notNull().check { reviewStates.contains($0) }
            t.column("reviewed_by", .integer).references("staff_user", onDelete: .restrict)
            t.column("reviewed_at", .datetime)
            t.column("review_comment", .text).check { length($0) > 0 && length($0) <= LetterRules.commentMaxLength }
            t.check(sql: "review_state = 'pending' OR (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL)")
            t.check(sql: "review_state <> 'returned' OR review_comment IS NOT NULL")
        }
        // One draft waits for sign-off at a time.
        try db.execute(sql: "CREATE UNIQUE INDEX letter_draft_one_pending ON letter_draft(letter_id) WHERE review_state = 'pending'")

        // The timeline: every step and every clock event, who, when, why.
        try db.create(table: "letter_event") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("letter_id", .integer).notNull().references("letter", onDelete: .restrict)
            t.column("kind", .text).notNull().check { eventKinds.contains($0) }
            // NULL for the citizen and the system; the name is copied so the
            // timeline reads the same after a rename.
            t.column("actor_id", .integer).indexed().references("staff_user", onDelete: .restrict)
            t.column("actor_name", .text).notNull().check { length($0) > 0 }
            t.column("note", .text).check { length($0) <= LetterRules.bodyMaxLength }
            // For events that move the clock: what `LetterClock` reads.
            t.column("clock_kind", .text).check { clockKinds.contains($0) }
            t.column("clock_on", .text).check { length($0) == 10 }
            t.column("clock_days", .integer)
            t.column("recorded_at", .datetime).notNull()
            t.check(sql: "clock_kind IS NULL OR clock_on IS NOT NULL")
            t.check(sql: "clock_kind IS NOT 'extended' OR clock_days BETWEEN 1 AND \(LetterRules.maxExtensionWorkingDays)")
        }
        try db.create(index: "letter_event_on_letter", on: "letter_event", columns: ["letter_id", "id"])
        try db.execute(
            sql: """
                CREATE TRIGGER letter_event_no_update BEFORE UPDATE ON letter_event
                BEGIN SELECT RAISE(ABORT, 'letter_event is append-only'); END;
                CREATE TRIGGER letter_event_no_delete BEFORE DELETE ON letter_event
                BEGIN SELECT RAISE(ABORT, 'letter_event is append-only'); END;
                """)

        // Reply periods by type, optionally per lead department.
        try db.create(table: "deadline_policy") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("letter_type", .text).notNull().check { types.contains($0) }
            t.column("department_id", .integer).references("department", onDelete: .cascade)
            t.column("working_days", .integer).notNull()
                .check { $0 >= LetterRules.policyWorkingDaysRange.lowerBound && $0 <= LetterRules.policyWorkingDaysRange.upperBound }
        }
        // UNIQUE treats NULLs as distinct; the expression makes the default
        // (no department) unique per type too.
        try db.execute(
            sql: "CREATE UNIQUE INDEX deadline_policy_on_type_department ON deadline_policy(letter_type, COALESCE(department_id, 0))")
        // The defaults as the design states them, as literals so later
        // changes to the code cannot change what this migration did.
        for (type, days) in [("consultation", 5), ("suggestion", 15), ("complaint", 15), ("information_disclosure", 20)] {
            try db.execute(
                sql: "INSERT INTO deadline_policy (letter_type, department_id, working_days) VALUES (?, NULL, ?)",
                arguments: [type, days])
        }

        try db.create(table: "letter_number_sequence") { t in
            t.primaryKey("year", .integer)
            t.column("last", .integer).notNull().check { $0 >= 1 }
        }
    }

    /// Migration `v6-letter-search`.
    static func createLetterSearch(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE letter_search_document (
                    letter_id INTEGER PRIMARY KEY,
                    content TEXT NOT NULL
                );
                CREATE VIRTUAL TABLE letter_search USING fts5(
                    content,
                    content = 'letter_search_document',
                    content_rowid = 'letter_id',
                    tokenize = 'ascii'
                );
                CREATE TRIGGER letter_search_document_ai AFTER INSERT ON letter_search_document BEGIN
                    INSERT INTO letter_search(rowid, content) VALUES (new.letter_id, new.content);
                END;
                CREATE TRIGGER letter_search_document_ad AFTER DELETE ON letter_search_document BEGIN
                    INSERT INTO letter_search(letter_search, rowid, content) VALUES ('delete', old.letter_id, old.content);
                END;
                CREATE TRIGGER letter_search_document_au AFTER UPDATE ON letter_search_document BEGIN
                    INSERT INTO letter_search(letter_search, rowid, content) VALUES ('delete', old.letter_id, old.content);
                    INSERT INTO letter_search(rowid, content) VALUES (new.letter_id, new.content);
                END;
                """)
    }

    /// Migration `v7-letter-attachments`: files attached to letters.
    static func createLetterAttachments(_ db: Database) throws {
        let kinds = AttachmentKind.allCases.map(\.rawValue)
        let roles = AttachmentRole.allCases.map(\.rawValue)
        try db.create(table: "attachment") { t in
            t.autoIncrementedPrimaryKey("id")
            // The file's name in the attachments folder (`AttachmentFiles`).
            t.column("sha256", .text).notNull().unique().check { length($0) == 64 }
            t.column("kind", .text).notNull().check { kinds.contains($0) }
            t.column("byte_count", .integer).notNull().check { $0 > 0 && $0 <= AttachmentRules.maxFileBytes }
            t.column("created_at", .datetime).notNull()
        }
        try db.create(table: "letter_attachment") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("letter_id", .integer).notNull().indexed().references("letter", onDelete: .cascade)
            t.column("attachment_id", .integer).notNull().indexed().references("attachment", onDelete: .restrict)
            t.column("role", .text).notNull().check { roles.contains($0) }
            t.column("display_name", .text).notNull()
                .check { length($0) > 0 && length($0) <= AttachmentRules.displayNameMaxLength }
            t.column("added_by", .integer).references("staff_user", onDelete: .restrict)
            t.column("added_at", .datetime).notNull()
            // The citizen's files have no staff member; the office's always do.
            t.check(sql: "(role = 'reply') = (added_by IS NOT NULL)")
        }
    }

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
        try SchemaChanges.widenCheckList(
            db, table: "letter", column: "state",
            to: ["received", "accepted", "transferred", "rejected", "assigned", "awaiting_sign_off", "replied", "withdrawn"])
        try SchemaChanges.widenCheckList(
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
}
