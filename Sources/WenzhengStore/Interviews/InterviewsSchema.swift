import GRDB
import WenzhengCore

/// The interviews' tables.
enum InterviewsSchema {
    static func createInterviews(_ db: Database) throws {
        // The statuses this migration allowed when it landed, written out:
        // it once took `InterviewStatus.allCases`, so adding `cancelled` to
        // the enum would have changed what it creates on a new database.
        // `cancelled` is added by `v17-interview-cancellation` alone.
        let statuses = ["scheduled", "open", "live", "ended", "published"]
        let questionStates = QuestionState.allCases.map(\.rawValue)
        let kinds = TranscriptEntryKind.allCases.map(\.rawValue)
        try db.create(table: "interview") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("title", .text).notNull().check { length($0) > 0 && length($0) <= InterviewRules.titleMaxLength }
            t.column("summary", .text).notNull()
            t.column("scheduled_start", .datetime).notNull()
            t.column("planned_minutes", .integer).notNull()
                .check { $0 >= InterviewRules.plannedMinutesRange.lowerBound && $0 <= InterviewRules.plannedMinutesRange.upperBound }
            t.column("host_user_id", .integer).references("staff_user", onDelete: .restrict)
            t.column("status", .text).notNull().check { statuses.contains($0) }
            // The last sequence number handed out for this interview's
            // transcript events; bumped in the transaction that adds one.
            t.column("last_seq", .integer).notNull().defaults(to: 0)
            t.column("created_at", .datetime).notNull()
            t.column("updated_at", .datetime).notNull()
            t.column("started_at", .datetime)
            t.column("ended_at", .datetime)
            t.column("published_at", .datetime)
        }
        try db.create(index: "interview_on_scheduled_start", on: "interview", columns: ["scheduled_start"])

        try db.create(table: "interview_guest") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("interview_id", .integer).notNull().indexed().references("interview", onDelete: .cascade)
            t.column("position", .integer).notNull()
            t.column("name", .text).notNull().check { length($0) > 0 }
            t.column("title", .text).notNull()
            t.column("department", .text).notNull()
            t.column("user_id", .integer).references("staff_user", onDelete: .restrict)
        }

        try db.create(table: "interview_question") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("interview_id", .integer).notNull().references("interview", onDelete: .cascade)
            t.column("text", .text).notNull().check { length($0) > 0 && length($0) <= InterviewRules.questionMaxLength }
            // What the public sees once approved: the moderator's edit, with
            // personal information masked.
            t.column("published_text", .text)
            t.column("nickname", .text)
            // Never public: only for the office to reply to a deferred question.
            t.column("contact", .text)
            t.column("browser_key", .text).notNull()
            t.column("client_address", .text).notNull()
            t.column("state", .text).notNull().check { questionStates.contains($0) }
            t.column("moderation_item_id", .integer).references("moderation_item", onDelete: .restrict)
            t.column("merged_into_id", .integer).references("interview_question", onDelete: .setNull)
            t.column("votes", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("on_air_at", .datetime)
            t.column("answered_at", .datetime)
            t.column("deferred_at", .datetime)
            t.column("reply_due_on", .text)
            t.column("created_at", .datetime).notNull()
        }
        try db.create(index: "interview_question_on_interview_state", on: "interview_question", columns: ["interview_id", "state"])
        try db.create(index: "interview_question_on_state_due", on: "interview_question", columns: ["state", "reply_due_on"])

        try db.create(table: "question_vote") { t in
            t.column("question_id", .integer).notNull().references("interview_question", onDelete: .cascade)
            t.column("browser_key", .text).notNull()
            t.column("voted_at", .datetime).notNull()
            t.primaryKey(["question_id", "browser_key"])
        }

        try db.create(table: "transcript_entry") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("interview_id", .integer).notNull().references("interview", onDelete: .cascade)
            t.column("seq", .integer).notNull()
            t.column("kind", .text).notNull().check { kinds.contains($0) }
            t.column("author", .text).notNull()
            t.column("author_title", .text)
            t.column("question_id", .integer).references("interview_question", onDelete: .setNull)
            t.column("body", .text).notNull().check { length($0) > 0 && length($0) <= InterviewRules.entryMaxLength }
            t.column("version", .integer).notNull().defaults(to: 1)
            // 补录: answered after the interview ended.
            t.column("late", .boolean).notNull().defaults(to: false)
            t.column("posted_by", .integer).references("staff_user", onDelete: .restrict)
            t.column("created_at", .datetime).notNull()
            t.uniqueKey(["interview_id", "seq"])
        }

        try db.create(table: "transcript_correction") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("interview_id", .integer).notNull().references("interview", onDelete: .cascade)
            t.column("seq", .integer).notNull()
            t.column("entry_id", .integer).notNull().indexed().references("transcript_entry", onDelete: .cascade)
            t.column("version", .integer).notNull()
            t.column("previous_body", .text).notNull()
            t.column("body", .text).notNull().check { length($0) > 0 && length($0) <= InterviewRules.entryMaxLength }
            t.column("corrected_by", .integer).notNull().references("staff_user", onDelete: .restrict)
            t.column("corrected_at", .datetime).notNull()
            t.uniqueKey(["interview_id", "seq"])
        }
    }

    /// 答复部门: the department of the guest an answer is from, kept with the
    /// answer, so a late answer (补录) shows who replied as a letter's reply
    /// does. Answers already stored take their guest's department by name
    /// (guests cannot change once an interview is live). Late answers and
    /// deferred lists look answers up by question.
    static func addInterviewAnswerDepartments(_ db: Database) throws {
        try db.alter(table: "transcript_entry") { t in
            t.add(column: "department", .text)
        }
        try db.execute(
            sql: """
                UPDATE transcript_entry SET department = (
                    SELECT NULLIF(interview_guest.department, '') FROM interview_guest
                    WHERE interview_guest.interview_id = transcript_entry.interview_id
                      AND interview_guest.name = transcript_entry.author
                    ORDER BY interview_guest.position LIMIT 1)
                WHERE kind = 'answer'
                """)
        try db.create(index: "transcript_entry_on_question", on: "transcript_entry", columns: ["question_id", "seq"])
    }

    /// Migration `v17-interview-cancellation`: an interview can be called
    /// off (status `cancelled`) with a reason and a time.
    ///
    /// The status CHECK is a list in the table's definition, so the table
    /// is rebuilt by SQLite's twelve-step procedure
    /// (`SchemaChanges.rebuildTable`): every column kept in place with its
    /// constraints, the two new ones appended, the rows copied with their
    /// ids, the index recreated, the AUTOINCREMENT counter kept. The child
    /// tables (guests, questions, transcript, corrections, withdrawal
    /// events) name `interview` and keep pointing at the rebuilt table.
    /// Registered with deferred foreign-key checks: the migration runs with
    /// foreign keys off and the whole database is checked before commit.
    static func addInterviewCancellation(_ db: Database) throws {
        try SchemaChanges.rebuildTable(
            db, "interview",
            definition: """
                CREATE TABLE "interview" (
                    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
                    "title" TEXT NOT NULL CHECK ((LENGTH("title") > 0) AND (LENGTH("title") <= 120)),
                    "summary" TEXT NOT NULL,
                    "scheduled_start" DATETIME NOT NULL,
                    "planned_minutes" INTEGER NOT NULL CHECK (("planned_minutes" >= 10) AND ("planned_minutes" <= 480)),
                    "host_user_id" INTEGER REFERENCES "staff_user"("id") ON DELETE RESTRICT,
                    "status" TEXT NOT NULL CHECK ("status" IN ('scheduled', 'open', 'live', 'ended', 'published', 'cancelled')),
                    "last_seq" INTEGER NOT NULL DEFAULT 0,
                    "created_at" DATETIME NOT NULL,
                    "updated_at" DATETIME NOT NULL,
                    "started_at" DATETIME,
                    "ended_at" DATETIME,
                    "published_at" DATETIME,
                    revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
                    announced_at DATETIME,
                    -- Shown on the public page; required exactly when cancelled.
                    cancellation_reason TEXT CHECK (cancellation_reason IS NULL OR LENGTH(cancellation_reason) BETWEEN 1 AND 500),
                    cancelled_at DATETIME,
                    CHECK ((status = 'cancelled') = (cancellation_reason IS NOT NULL AND cancelled_at IS NOT NULL))
                )
                """,
            copying: [
                "id", "title", "summary", "scheduled_start", "planned_minutes", "host_user_id", "status", "last_seq", "created_at",
                "updated_at", "started_at", "ended_at", "published_at", "revision", "announced_at",
            ])
    }
}
