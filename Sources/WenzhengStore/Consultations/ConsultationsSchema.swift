import GRDB
import WenzhengCore

/// The consultations' tables (public comment on drafts, 征求意见).
enum ConsultationsSchema {
    /// Migration `v14-consultations` (issue 11; docs/surveys-design.md,
    /// "Consultations: storage and pages"):
    ///
    /// - `consultation`: the imported text, its confirmed split (JSON), the
    ///   window, the drafting explanation and the state, with the life cycle
    ///   in CHECKs: nothing leaves `draft` without a confirmed split and an
    ///   explanation; each state has exactly its timestamps.
    /// - `consultation_section`: one row per article (section) of the
    ///   split, so that a comment's article is a foreign key.
    /// - `consultation_comment_group`: similar comments gathered under a
    ///   summary, with the group's decision and reason.
    /// - `consultation_comment`: citizens' comments, pending until
    ///   moderation decides; the published (masked) text; its group or its
    ///   own decision, never both. No client address is stored: the
    ///   per-address limit is kept in memory.
    /// - `publication_withdrawal.subject_kind` gains `comment`.
    ///
    /// Plain SQL with literal lists, so later changes to the Swift enums
    /// cannot change what this migration did.
    static func createConsultations(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE consultation (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    title TEXT NOT NULL CHECK (LENGTH(title) BETWEEN 1 AND 120),
                    -- 起草说明: may be empty while the consultation is a draft.
                    drafting_explanation TEXT NOT NULL CHECK (LENGTH(drafting_explanation) <= 10000),
                    opens_at DATETIME NOT NULL,
                    closes_at DATETIME NOT NULL,
                    draft_format TEXT NOT NULL CHECK (draft_format IN ('markdown', 'plain_text')),
                    -- The text as imported, and its split (DraftSplit as JSON).
                    draft_text TEXT NOT NULL CHECK (LENGTH(draft_text) BETWEEN 1 AND 300000),
                    draft_json TEXT NOT NULL CHECK (LENGTH(draft_json) > 0),
                    state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed', 'report_published')),
                    split_confirmed_by INTEGER REFERENCES staff_user(id) ON DELETE RESTRICT,
                    split_confirmed_at DATETIME,
                    created_by INTEGER NOT NULL REFERENCES staff_user(id) ON DELETE RESTRICT,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    opened_at DATETIME,
                    comment_period_closed_at DATETIME,
                    report_published_by INTEGER REFERENCES staff_user(id) ON DELETE RESTRICT,
                    report_published_at DATETIME,
                    CHECK (closes_at > opens_at),
                    CHECK ((split_confirmed_by IS NULL) = (split_confirmed_at IS NULL)),
                    CHECK (state = 'draft' OR (split_confirmed_at IS NOT NULL AND LENGTH(drafting_explanation) > 0)),
                    CHECK ((state = 'draft') = (opened_at IS NULL)),
                    CHECK ((state IN ('draft', 'open')) = (comment_period_closed_at IS NULL)),
                    CHECK ((state = 'report_published') = (report_published_at IS NOT NULL)),
                    CHECK ((report_published_by IS NULL) = (report_published_at IS NULL))
                );
                CREATE INDEX consultation_on_state ON consultation(state, closes_at);

                CREATE TABLE consultation_section (
                    consultation_id INTEGER NOT NULL REFERENCES consultation(id) ON DELETE CASCADE,
                    section_key TEXT NOT NULL CHECK (LENGTH(section_key) BETWEEN 1 AND 40),
                    position INTEGER NOT NULL CHECK (position >= 0),
                    label TEXT NOT NULL CHECK (LENGTH(label) > 0),
                    PRIMARY KEY (consultation_id, section_key),
                    UNIQUE (consultation_id, position)
                );

                CREATE TABLE consultation_comment_group (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    consultation_id INTEGER NOT NULL REFERENCES consultation(id) ON DELETE CASCADE,
                    summary TEXT NOT NULL CHECK (LENGTH(summary) BETWEEN 1 AND 500),
                    decision TEXT CHECK (decision IN ('adopted', 'partly_adopted', 'not_adopted')),
                    decision_reason TEXT CHECK (LENGTH(decision_reason) BETWEEN 1 AND 2000),
                    decided_by INTEGER REFERENCES staff_user(id) ON DELETE RESTRICT,
                    decided_at DATETIME,
                    created_by INTEGER NOT NULL REFERENCES staff_user(id) ON DELETE RESTRICT,
                    created_at DATETIME NOT NULL,
                    -- The target of the members' (group_id, consultation_id)
                    -- key: a comment joins only a group of its consultation.
                    UNIQUE (id, consultation_id),
                    CHECK ((decision IS NULL) = (decision_reason IS NULL)),
                    CHECK ((decision IS NULL) = (decided_at IS NULL)),
                    CHECK ((decided_by IS NULL) = (decided_at IS NULL))
                );

                CREATE TABLE consultation_comment (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    consultation_id INTEGER NOT NULL REFERENCES consultation(id) ON DELETE RESTRICT,
                    -- NULL: the draft as a whole.
                    section_key TEXT,
                    text TEXT NOT NULL CHECK (LENGTH(text) BETWEEN 2 AND 2000),
                    nickname TEXT CHECK (LENGTH(nickname) BETWEEN 1 AND 20),
                    state TEXT NOT NULL CHECK (state IN ('pending', 'published', 'rejected')),
                    -- What moderation approved, with personal information masked.
                    published_text TEXT CHECK (LENGTH(published_text) > 0),
                    published_at DATETIME,
                    moderation_item_id INTEGER UNIQUE REFERENCES moderation_item(id) ON DELETE RESTRICT,
                    submitted_at DATETIME NOT NULL,
                    group_id INTEGER,
                    decision TEXT CHECK (decision IN ('adopted', 'partly_adopted', 'not_adopted')),
                    decision_reason TEXT CHECK (LENGTH(decision_reason) BETWEEN 1 AND 2000),
                    decided_by INTEGER REFERENCES staff_user(id) ON DELETE RESTRICT,
                    decided_at DATETIME,
                    FOREIGN KEY (consultation_id, section_key)
                        REFERENCES consultation_section(consultation_id, section_key) ON DELETE RESTRICT,
                    FOREIGN KEY (group_id, consultation_id)
                        REFERENCES consultation_comment_group(id, consultation_id) ON DELETE RESTRICT,
                    CHECK ((state = 'published') = (published_text IS NOT NULL)),
                    CHECK ((state = 'published') = (published_at IS NOT NULL)),
                    -- Only published comments are grouped and decided on.
                    CHECK (state = 'published' OR (group_id IS NULL AND decision IS NULL)),
                    -- A grouped comment takes its group's decision.
                    CHECK (group_id IS NULL OR decision IS NULL),
                    CHECK ((decision IS NULL) = (decision_reason IS NULL)),
                    CHECK ((decision IS NULL) = (decided_at IS NULL)),
                    CHECK ((decided_by IS NULL) = (decided_at IS NULL))
                );
                CREATE INDEX consultation_comment_on_consultation ON consultation_comment(consultation_id, state, section_key);
                CREATE INDEX consultation_comment_on_group ON consultation_comment(group_id);
                """)
        try SchemaChanges.widenCheckList(
            db, table: "publication_withdrawal", column: "subject_kind", to: ["letter", "letter_reply", "transcript_entry", "comment"])
    }
}
