import GRDB
import WenzhengCore

/// The moderation queue's tables.
enum ModerationSchema {
    static func createModerationQueue(_ db: Database) throws {
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
}
