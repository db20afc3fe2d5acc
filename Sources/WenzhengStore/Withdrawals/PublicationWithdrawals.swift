import Foundation
import GRDB
import WenzhengCore

/// One withdrawal of a published text (`publication_withdrawal`).
struct PublicationWithdrawalRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var subjectKind: WithdrawableKind
    var subjectId: Int64
    var reason: String
    var withdrawnBy: Int64
    var withdrawnAt: Date
    var republishedBy: Int64?
    var republishedAt: Date?
    /// The corrected, masked text published again.
    var republishedText: String?

    static let databaseTableName = "publication_withdrawal"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let id = Column("id")
        static let subjectKind = Column("subject_kind")
        static let subjectId = Column("subject_id")
        static let republishedAt = Column("republished_at")
    }

    static func about(_ kind: WithdrawableKind, _ id: Int64) -> QueryInterfaceRequest<Self> {
        filter(Columns.subjectKind == kind.rawValue && Columns.subjectId == id)
    }
}

/// The generic half of withdrawing published text: the rule
/// (`WithdrawalRules`), the row, and the reads every feature needs. Each
/// feature calls these inside its own transaction and does its part there
/// (the letter timeline and the search index, the live stream).
/// What every feature that publishes text shares about withdrawing it
/// (item 23): the one table of withdrawals, read and written inside each
/// feature's own transaction.
enum PublicationWithdrawals {
    /// The withdrawal in force for a text, if it is withdrawn now.
    static func withdrawalInForce(_ db: Database, _ kind: WithdrawableKind, _ id: Int64) throws -> PublicationWithdrawalRecord? {
        try PublicationWithdrawalRecord.about(kind, id).filter(PublicationWithdrawalRecord.Columns.republishedAt == nil).fetchOne(db)
    }

    /// The corrected text of the text's latest republication, if it was
    /// ever withdrawn and published again: what the public reads instead of
    /// the original.
    static func republishedText(_ db: Database, _ kind: WithdrawableKind, _ id: Int64) throws -> String? {
        try String.fetchOne(db, sql: latestRepublishedTextSQL(kind, id: "?"), arguments: [id])
    }

    /// A subquery: the latest corrected text of the `kind` text whose id is
    /// the SQL expression `id`. For public reads that join many texts.
    static func latestRepublishedTextSQL(_ kind: WithdrawableKind, id: String) -> String {
        """
        SELECT publication_withdrawal.republished_text FROM publication_withdrawal
        WHERE publication_withdrawal.subject_kind = '\(kind.rawValue)' AND publication_withdrawal.subject_id = \(id)
          AND publication_withdrawal.republished_at IS NOT NULL
        ORDER BY publication_withdrawal.id DESC LIMIT 1
        """
    }

    /// A subquery that finds a row when the `kind` text whose id is the SQL
    /// expression `id` is withdrawn now: public reads say `NOT EXISTS (…)`.
    static func withdrawalInForceSQL(_ kind: WithdrawableKind, id: String) -> String {
        """
        SELECT 1 FROM publication_withdrawal
        WHERE publication_withdrawal.subject_kind = '\(kind.rawValue)' AND publication_withdrawal.subject_id = \(id)
          AND publication_withdrawal.republished_at IS NULL
        """
    }

    /// The withdrawals in force among some texts of one kind, by id, with
    /// the staff members' names.
    static func withdrawalsInForce(_ db: Database, _ kind: WithdrawableKind, ids: [Int64]) throws -> [Int64: PublicationWithdrawal] {
        guard !ids.isEmpty else { return [:] }
        let records =
            try PublicationWithdrawalRecord
            .filter(PublicationWithdrawalRecord.Columns.subjectKind == kind.rawValue)
            .filter(ids.contains(PublicationWithdrawalRecord.Columns.subjectId))
            .filter(PublicationWithdrawalRecord.Columns.republishedAt == nil)
            .fetchAll(db)
        var result: [Int64: PublicationWithdrawal] = [:]
        for record in records { result[record.subjectId] = try withdrawalView(db, record) }
        return result
    }

    static func withdrawalView(_ db: Database, _ record: PublicationWithdrawalRecord) throws -> PublicationWithdrawal {
        PublicationWithdrawal(
            withdrawnById: record.withdrawnBy, withdrawnBy: try GRDBModerationStore.displayName(db, userID: record.withdrawnBy) ?? "",
            withdrawnAt: record.withdrawnAt, reason: record.reason, republishedById: record.republishedBy,
            republishedBy: try record.republishedBy.flatMap { try GRDBModerationStore.displayName(db, userID: $0) }, republishedAt: record.republishedAt)
    }

    /// Checks a reason before any transaction starts.
    static func validatedReason(_ raw: String) throws -> String {
        var errors: [FieldError] = []
        let reason = WithdrawalRules.reason(raw, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return reason
    }

    /// Withdraws a text: checks the rule and stores the row. The caller
    /// takes the text off every public read in the same transaction.
    ///
    /// - Throws: `StoreError.forbidden` for anyone but an admin,
    ///   `StoreError.conflict` when the text is not published or already
    ///   withdrawn.
    static func recordWithdrawal(
        _ db: Database, _ kind: WithdrawableKind, _ id: Int64, published: Bool, reason: String, actor: AuthenticatedStaff, at now: Date
    ) throws -> PublicationWithdrawalRecord {
        let inForce = try withdrawalInForce(db, kind, id)
        if let refusal = WithdrawalRules.refusalToWithdraw(
            by: actor.role, published: published, inForce: try inForce.map { try withdrawalView(db, $0) })
        {
            throw storeError(refusal)
        }
        var record = PublicationWithdrawalRecord(
            id: nil, subjectKind: kind, subjectId: id, reason: reason, withdrawnBy: actor.userID, withdrawnAt: now,
            republishedBy: nil, republishedAt: nil, republishedText: nil)
        try record.insert(db)
        return record
    }

    /// Closes the withdrawal in force with the corrected text (already
    /// masked by the caller through `WithdrawalRules.correctedText`).
    static func recordRepublication(
        _ db: Database, _ kind: WithdrawableKind, _ id: Int64, text: String, actor: AuthenticatedStaff, at now: Date
    ) throws -> PublicationWithdrawalRecord {
        let inForce = try withdrawalInForce(db, kind, id)
        if let refusal = WithdrawalRules.refusalToRepublish(by: actor.role, inForce: try inForce.map { try withdrawalView(db, $0) }) {
            throw storeError(refusal)
        }
        var record = inForce!
        record.republishedBy = actor.userID
        record.republishedAt = now
        record.republishedText = text
        try record.update(db)
        return record
    }

    /// Refuses a non-admin before anything else is read, so a handler or a
    /// host learns nothing about the text.
    static func ensureWithdraws(_ actor: AuthenticatedStaff) throws {
        if !WithdrawalRules.mayWithdraw(actor.role) { throw storeError(.notAllowed) }
    }

    static func storeError(_ refusal: WithdrawalRefusal) -> StoreError {
        switch refusal {
        case .notAllowed: .forbidden(refusal.message)
        case .notPublished, .alreadyWithdrawn, .notWithdrawn: .conflict(refusal.message)
        }
    }

    /// The masked spans of a correction, by kind, for the audit log.
    static func maskedKinds(_ masked: MaskedText) -> String {
        masked.spans.map(\.kind.rawValue).joined(separator: ",")
    }
}
