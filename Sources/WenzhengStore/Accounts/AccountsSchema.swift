import GRDB
import WenzhengCore

/// The accounts' tables and the audit log (they came in one migration).
enum AccountsSchema {
    static func createAccountsSessionsAudit(_ db: Database) throws {
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

    /// Migration `v10-letter-query-failures`: letter queries get their own
    /// failure table; their rows leave the staff one.
    static func createLetterQueryFailures(_ db: Database) throws {
        try db.create(table: "letter_query_failure") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("letter_number", .text).notNull().check { length($0) > 0 && length($0) <= 32 }
            t.column("client_address", .text).notNull()
            t.column("failed_at", .datetime).notNull()
        }
        try db.create(
            index: "letter_query_failure_on_number_address", on: "letter_query_failure",
            columns: ["letter_number", "client_address", "failed_at"])
        try db.create(index: "letter_query_failure_on_address", on: "letter_query_failure", columns: ["client_address", "failed_at"])
        // Letter queries were counted here under "letter:NUMBER".
        try db.execute(sql: "DELETE FROM login_failure WHERE username LIKE 'letter:%'")
    }
}
