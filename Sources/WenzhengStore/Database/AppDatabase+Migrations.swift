import GRDB
import WenzhengCore

extension AppDatabase {
    /// The schema's history. Append new migrations at the end; never edit
    /// one that has landed, because deployed databases have already run it.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts-sessions-audit", migrate: Self.createAccountsSessionsAudit)
        migrator.registerMigration("v2-moderation-queue", migrate: Self.createModerationQueue)
        migrator.registerMigration("v3-interviews", migrate: Self.createInterviews)
        migrator.registerMigration("v4-working-day-calendar", migrate: Self.createWorkingDayCalendar)
        migrator.registerMigration("v5-mailbox", migrate: Self.createMailbox)
        migrator.registerMigration("v6-letter-search", migrate: Self.createLetterSearch)
        migrator.registerMigration("v7-letter-attachments", migrate: Self.createLetterAttachments)
        migrator.registerMigration("v8-interview-answer-departments", migrate: Self.addInterviewAnswerDepartments)
        migrator.registerMigration("v9-reply-clock", migrate: Self.extendMailboxForTheReplyClock)
        migrator.registerMigration("v10-letter-query-failures", migrate: Self.createLetterQueryFailures)
        migrator.registerMigration("v11-server-secrets", migrate: Self.createServerSecrets)
        migrator.registerMigration("v12-withdrawals", migrate: Self.createWithdrawals)
        return migrator
    }

    private static func createAccountsSessionsAudit(_ db: Database) throws {
        try db.create(table: "department") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique()
                .check { length($0) > 0 && length($0) <= StaffAccountRules.departmentNameMaxLength }
            t.column("created_at", .datetime).notNull()
        }

        let roles = Role.allCases.map(\.rawValue)
        try db.create(table: "staff_user") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("username", .text).notNull().unique()
                .check { length($0) >= 2 && length($0) <= StaffAccountRules.usernameMaxLength }
            t.column("display_name", .text).notNull()
                .check { length($0) > 0 && length($0) <= StaffAccountRules.displayNameMaxLength }
            t.column("role", .text).notNull().check { roles.contains($0) }
            t.column("department_id", .integer).notNull().indexed().references("department", onDelete: .restrict)
            t.column("password_hash", .text).notNull()
            t.column("password_changed_at", .datetime).notNull()
            t.column("disabled_at", .datetime)
            t.column("created_at", .datetime).notNull()
        }

        // The token itself is never stored: only its SHA-256, so a copy of
        // the database does not hand out live sessions.
        try db.create(table: "staff_session") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("token_hash", .text).notNull().unique()
            t.column("csrf_token", .text).notNull()
            t.column("user_id", .integer).notNull().indexed().references("staff_user", onDelete: .cascade)
            t.column("created_at", .datetime).notNull()
            t.column("expires_at", .datetime).notNull()
            t.column("revoked_at", .datetime)
            t.column("client_address", .text)
            t.column("user_agent", .text)
        }

        try db.create(table: "login_failure") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("username", .text).notNull()
            t.column("client_address", .text).notNull()
            t.column("failed_at", .datetime).notNull()
        }
        try db.create(index: "login_failure_on_username", on: "login_failure", columns: ["username", "failed_at"])
        try db.create(index: "login_failure_on_address", on: "login_failure", columns: ["client_address", "failed_at"])

        try db.create(table: "audit_entry") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("recorded_at", .datetime).notNull()
            // Accounts are disabled, never deleted, so the audit trail can
            // always name who acted (and `restrict` makes that a rule). The
            // name is copied too: the CLI acts as the operating-system user.
            t.column("actor_id", .integer).indexed().references("staff_user", onDelete: .restrict)
            t.column("actor_name", .text).notNull()
            t.column("action", .text).notNull()
            t.column("subject_type", .text).notNull()
            t.column("subject_id", .text)
            t.column("before_json", .text)
            t.column("after_json", .text)
            t.column("client_address", .text)
        }
        try db.create(index: "audit_entry_on_recorded_at", on: "audit_entry", columns: ["recorded_at"])
        // Append-only is a property of the table, not of our code's good
        // manners: SQLite refuses edits and deletions outright.
        try db.execute(
            sql: """
                CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
                BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;
                CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
                BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;
                """)
    }

    private static func createModerationQueue(_ db: Database) throws {
        let kinds = ContentKind.allCases.map(\.rawValue)
        let states = ModerationState.allCases.map(\.rawValue)
        try db.create(table: "moderation_item") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("kind", .text).notNull().check { kinds.contains($0) }
            // The feature row this text belongs to (a question, a letter…).
            t.column("source_type", .text).notNull()
            t.column("source_id", .text).notNull()
            t.column("source_url", .text)
            t.column("author_name", .text)
            t.column("text", .text).notNull().check { length($0) > 0 }
            t.column("edited_text", .text)
            // What publication shows: the final text with personal
            // information masked.
            t.column("masked_text", .text).notNull()
            t.column("flags_json", .text).notNull()
            t.column("personal_information_json", .text).notNull()
            // ",abuse,personal_information," so one LIKE finds a category.
            t.column("flag_categories", .text).notNull()
            t.column("highest_action", .text).notNull().check { ["none", "flag", "hold"].contains($0) }
            t.column("state", .text).notNull().check { states.contains($0) }
            t.column("reason_code", .text)
            t.column("reason_note", .text)
            t.column("hold_overridden", .boolean).notNull().defaults(to: false)
            t.column("claimed_by", .integer).references("staff_user", onDelete: .restrict)
            t.column("claimed_at", .datetime)
            t.column("decided_by", .integer).references("staff_user", onDelete: .restrict)
            t.column("decided_at", .datetime)
            t.column("created_at", .datetime).notNull()
            // Bumped by every change, for optimistic concurrency between
            // moderators.
            t.column("version", .integer).notNull().defaults(to: 1)
            t.uniqueKey(["source_type", "source_id"])
            // A decided item names its decider; a rejected one its reason.
            t.check(sql: "state = 'pending' OR (decided_by IS NOT NULL AND decided_at IS NOT NULL)")
            t.check(sql: "state <> 'rejected' OR reason_code IS NOT NULL")
            t.check(sql: "state <> 'edited' OR edited_text IS NOT NULL")
        }
        try db.create(index: "moderation_item_on_state_created", on: "moderation_item", columns: ["state", "created_at"])
        try db.create(index: "moderation_item_on_kind_state", on: "moderation_item", columns: ["kind", "state"])
    }

    private static func createInterviews(_ db: Database) throws {
        let statuses = InterviewStatus.allCases.map(\.rawValue)
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

    private static func createWorkingDayCalendar(_ db: Database) throws {
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
