import GRDB

/// The surveys' tables (docs/surveys-design.md). Plain SQL with literal
/// lists, so later changes to the Swift enums cannot change what this
/// migration did.
enum SurveysSchema {
    /// Migration `v13-surveys`.
    static func createSurveys(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE survey (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    title TEXT NOT NULL CHECK (LENGTH(title) BETWEEN 1 AND 120),
                    -- The whole definition (questions, window, mode) as JSON:
                    -- what every response was given to.
                    definition_json TEXT NOT NULL CHECK (json_valid(definition_json)),
                    state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed', 'results_published')),
                    mode TEXT NOT NULL CHECK (mode IN ('open', 'invitation')),
                    is_anonymous BOOLEAN NOT NULL,
                    opens_at DATETIME NOT NULL,
                    closes_at DATETIME NOT NULL CHECK (closes_at > opens_at),
                    -- The key of the duplicate check's HMAC: made when the
                    -- survey opens, destroyed when it closes.
                    secret BLOB CHECK (secret IS NULL OR LENGTH(secret) = 32),
                    response_count INTEGER NOT NULL DEFAULT 0 CHECK (response_count >= 0),
                    created_by INTEGER NOT NULL REFERENCES staff_user(id) ON DELETE RESTRICT,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    opened_at DATETIME,
                    closed_at DATETIME,
                    results_published_at DATETIME,
                    CHECK (state = 'open' OR secret IS NULL)
                );
                CREATE INDEX survey_on_state ON survey(state, opens_at);

                -- One row per respondent who answered (HMAC of their browser
                -- token): no time, no reference to the response.
                CREATE TABLE survey_duplicate_key (
                    survey_id INTEGER NOT NULL REFERENCES survey(id) ON DELETE CASCADE,
                    key TEXT NOT NULL CHECK (LENGTH(key) = 64),
                    PRIMARY KEY (survey_id, key)
                ) WITHOUT ROWID;

                -- Single-use invitations: only the SHA-256 of the token.
                CREATE TABLE survey_invitation (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    survey_id INTEGER NOT NULL REFERENCES survey(id) ON DELETE CASCADE,
                    token_digest TEXT NOT NULL UNIQUE CHECK (LENGTH(token_digest) = 64),
                    used BOOLEAN NOT NULL DEFAULT 0,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX survey_invitation_on_survey ON survey_invitation(survey_id);

                -- Responses, keyed by a random id so rows carry no arrival
                -- order; the day only for anonymous surveys. The time and the
                -- invitation are kept only when the survey is not anonymous.
                CREATE TABLE survey_response (
                    id TEXT NOT NULL PRIMARY KEY CHECK (LENGTH(id) = 32),
                    survey_id INTEGER NOT NULL REFERENCES survey(id) ON DELETE CASCADE,
                    submitted_on TEXT NOT NULL CHECK (LENGTH(submitted_on) = 10),
                    submitted_at DATETIME,
                    invitation_id INTEGER REFERENCES survey_invitation(id) ON DELETE RESTRICT,
                    answers_json TEXT NOT NULL CHECK (json_valid(answers_json))
                ) WITHOUT ROWID;
                CREATE INDEX survey_response_on_survey ON survey_response(survey_id, submitted_on);

                -- Running counts per question and slot (`SurveyTally`).
                CREATE TABLE survey_tally (
                    survey_id INTEGER NOT NULL REFERENCES survey(id) ON DELETE CASCADE,
                    question_key TEXT NOT NULL,
                    slot TEXT NOT NULL,
                    count INTEGER NOT NULL CHECK (count >= 0),
                    PRIMARY KEY (survey_id, question_key, slot)
                ) WITHOUT ROWID;

                -- Free-text answers, apart from their responses (so approving
                -- one for publication links it to nothing else the person
                -- wrote), sent to moderation when the survey closes.
                CREATE TABLE survey_text_answer (
                    id TEXT NOT NULL PRIMARY KEY CHECK (LENGTH(id) = 32),
                    survey_id INTEGER NOT NULL REFERENCES survey(id) ON DELETE CASCADE,
                    question_key TEXT NOT NULL,
                    text TEXT NOT NULL CHECK (LENGTH(text) BETWEEN 1 AND 5000),
                    moderation_item_id INTEGER UNIQUE REFERENCES moderation_item(id) ON DELETE RESTRICT,
                    published_text TEXT
                ) WITHOUT ROWID;
                CREATE INDEX survey_text_answer_on_survey ON survey_text_answer(survey_id, question_key);
                """)
    }
}
