import GRDB

/// Schema for erasing citizens' personal data (docs/privacy.md).
enum PrivacySchema {
    /// Migration `v19-retention`: a letter whose personal data was erased
    /// (by retention or on request) keeps its text but has neither phone nor
    /// e-mail, which `v5-mailbox`'s `CHECK (phone IS NOT NULL OR email IS
    /// NOT NULL)` forbids. `personal_data_erased_at` records when, and the
    /// check lets such a letter pass: a loosening every existing row
    /// satisfies, made in place. The name stays NOT NULL: erased letters
    /// carry `ErasedPersonalData.name`.
    ///
    /// Open-day registrations need no change: past their retention they are
    /// deleted (counted in the audit log first), since nothing else refers
    /// to them.
    static func allowErasedLetterContacts(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE letter ADD COLUMN personal_data_erased_at DATETIME")
        try SchemaChanges.loosenConstraints(
            db, table: "letter",
            replacing: [
                (
                    old: "CHECK (phone IS NOT NULL OR email IS NOT NULL)",
                    new: "CHECK (phone IS NOT NULL OR email IS NOT NULL OR personal_data_erased_at IS NOT NULL)"
                )
            ])
        // The retention pass looks for closed letters not yet erased.
        try db.execute(sql: "CREATE INDEX letter_on_personal_data_erased_at ON letter(personal_data_erased_at, state)")
    }
}
