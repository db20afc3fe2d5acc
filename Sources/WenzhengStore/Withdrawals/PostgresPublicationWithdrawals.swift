import Foundation
import PostgresNIO
import WenzhengCore

/// `PublicationWithdrawals` on PostgreSQL: the one table of withdrawals of
/// published text (item 23), read and written inside each feature's own
/// transaction. The rule checks (`validatedReason`, `ensureWithdraws`,
/// `storeError`, `maskedKinds`) need no database and stay in
/// `PublicationWithdrawals`.
enum PostgresPublicationWithdrawals {
    /// The withdrawal in force for a text, if it is withdrawn now.
    static func withdrawalInForce(_ tx: PostgresTransaction, _ kind: WithdrawableKind, _ id: Int64) async throws
        -> PublicationWithdrawalRecord?
    {
        try await tx.record(
            PublicationWithdrawalRecord.self,
            """
            SELECT * FROM publication_withdrawal
            WHERE subject_kind = \(kind.rawValue) AND subject_id = \(id) AND republished_at IS NULL
            """)
    }

    /// The corrected text of the text's latest republication, if it was
    /// ever withdrawn and published again.
    static func republishedText(_ tx: PostgresTransaction, _ kind: WithdrawableKind, _ id: Int64) async throws -> String? {
        try await tx.scalar(
            """
            SELECT republished_text FROM publication_withdrawal
            WHERE subject_kind = \(kind.rawValue) AND subject_id = \(id) AND republished_at IS NOT NULL
            ORDER BY id DESC LIMIT 1
            """, as: String.self)
    }

    /// A subquery: the latest corrected text of the `kind` text whose id is
    /// the SQL expression `id` (a column, never user input). For public
    /// reads that join many texts. The SQL is the same on both backends.
    static func latestRepublishedTextSQL(_ kind: WithdrawableKind, id: String) -> String {
        PublicationWithdrawals.latestRepublishedTextSQL(kind, id: id)
    }

    /// A subquery that finds a row when the `kind` text whose id is the SQL
    /// expression `id` is withdrawn now: public reads say `NOT EXISTS (…)`.
    static func withdrawalInForceSQL(_ kind: WithdrawableKind, id: String) -> String {
        PublicationWithdrawals.withdrawalInForceSQL(kind, id: id)
    }

    /// The withdrawals in force among some texts of one kind, by id, with
    /// the staff members' names.
    static func withdrawalsInForce(_ tx: PostgresTransaction, _ kind: WithdrawableKind, ids: [Int64]) async throws
        -> [Int64: PublicationWithdrawal]
    {
        guard !ids.isEmpty else { return [:] }
        let records = try await tx.records(
            PublicationWithdrawalRecord.self,
            """
            SELECT * FROM publication_withdrawal
            WHERE subject_kind = \(kind.rawValue) AND subject_id = ANY(\(ids)) AND republished_at IS NULL
            ORDER BY id
            """)
        var result: [Int64: PublicationWithdrawal] = [:]
        for record in records { result[record.subjectId] = try await withdrawalView(tx, record) }
        return result
    }

    static func withdrawalView(_ tx: PostgresTransaction, _ record: PublicationWithdrawalRecord) async throws -> PublicationWithdrawal {
        let withdrawnBy = try await PostgresAccountsStore.displayName(tx, userID: record.withdrawnBy) ?? ""
        var republishedBy: String?
        if let id = record.republishedBy { republishedBy = try await PostgresAccountsStore.displayName(tx, userID: id) }
        return PublicationWithdrawal(
            withdrawnById: record.withdrawnBy, withdrawnBy: withdrawnBy, withdrawnAt: record.withdrawnAt, reason: record.reason,
            republishedById: record.republishedBy, republishedBy: republishedBy, republishedAt: record.republishedAt)
    }

    /// Withdraws a text: checks the rule and stores the row. The caller
    /// takes the text off every public read in the same transaction.
    ///
    /// - Throws: `StoreError.forbidden` for anyone but an admin,
    ///   `StoreError.conflict` when the text is not published or already
    ///   withdrawn.
    static func recordWithdrawal(
        _ tx: PostgresTransaction, _ kind: WithdrawableKind, _ id: Int64, published: Bool, reason: String, actor: AuthenticatedStaff,
        at now: Date
    ) async throws -> PublicationWithdrawalRecord {
        let inForce = try await withdrawalInForce(tx, kind, id)
        var inForceView: PublicationWithdrawal?
        if let inForce { inForceView = try await withdrawalView(tx, inForce) }
        if let refusal = WithdrawalRules.refusalToWithdraw(by: actor.role, published: published, inForce: inForceView) {
            throw PublicationWithdrawals.storeError(refusal)
        }
        var record = PublicationWithdrawalRecord(
            id: nil, subjectKind: kind, subjectId: id, reason: reason, withdrawnBy: actor.userID, withdrawnAt: now,
            republishedBy: nil, republishedAt: nil, republishedText: nil)
        record.id = try await tx.insert(into: "publication_withdrawal", record)
        return record
    }

    /// Closes the withdrawal in force with the corrected text (already
    /// masked by the caller through `WithdrawalRules.correctedText`).
    static func recordRepublication(
        _ tx: PostgresTransaction, _ kind: WithdrawableKind, _ id: Int64, text: String, actor: AuthenticatedStaff, at now: Date
    ) async throws -> PublicationWithdrawalRecord {
        let inForce = try await withdrawalInForce(tx, kind, id)
        var inForceView: PublicationWithdrawal?
        if let inForce { inForceView = try await withdrawalView(tx, inForce) }
        if let refusal = WithdrawalRules.refusalToRepublish(by: actor.role, inForce: inForceView) {
            throw PublicationWithdrawals.storeError(refusal)
        }
        var record = inForce!
        record.republishedBy = actor.userID
        record.republishedAt = now
        record.republishedText = text
        try await tx.update("publication_withdrawal", record, id: record.id!)
        return record
    }

}
