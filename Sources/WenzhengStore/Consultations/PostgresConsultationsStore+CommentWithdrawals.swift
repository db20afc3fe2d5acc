import Foundation
import PostgresNIO
import WenzhengCore

/// Withdrawing a published comment and publishing it again after
/// correction, on PostgreSQL (`GRDBConsultationsStore+CommentWithdrawals`).
extension PostgresConsultationsStore {
    func unpublishComment(id: Int64, reason: String, actor: AuthenticatedStaff, at now: Date) async throws -> OfficeComment {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let reason = try PublicationWithdrawals.validatedReason(reason)
        return try await backend.write { tx in
            let record = try await Self.existingComment(tx, id: id)
            let comment = try await Self.published(tx, record)
            let withdrawal = try await ConsultationWithdrawalQueries.recordWithdrawal(
                tx, id, published: record.state == .published, reason: reason, actor: actor, at: now)
            try await Self.auditComment(
                tx, actor, "consultation_comment.unpublish", id, before: AuditedPublication(published: true, text: comment?.publicText),
                after: AuditedPublication(published: false, reason: reason), at: now)
            return GRDBConsultationsStore.officeComment(
                record, publicText: comment?.publicText ?? "",
                withdrawal: try await ConsultationWithdrawalQueries.withdrawalView(tx, withdrawal))
        }
    }

    func republishComment(id: Int64, text: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> (comment: OfficeComment, masked: [MaskedSpan])
    {
        try PublicationWithdrawals.ensureWithdraws(actor)
        return try await backend.write { tx in
            let record = try await Self.existingComment(tx, id: id)
            var errors: [FieldError] = []
            let masked = WithdrawalRules.correctedText(
                TextRules.cleanedText(text, singleLine: false), field: "text", maxLength: ConsultationRules.commentMaxLength,
                authorName: record.nickname, into: &errors)
            try GRDBModerationStore.throwIfInvalid(errors)
            let before = try await Self.published(tx, record)
            _ = try await ConsultationWithdrawalQueries.recordRepublication(tx, id, text: masked.text, actor: actor, at: now)
            try await Self.auditComment(
                tx, actor, "consultation_comment.republish", id, before: AuditedPublication(published: false, text: before?.publicText),
                after: AuditedPublication(published: true, text: masked.text, masked: PublicationWithdrawals.maskedKinds(masked)), at: now)
            return (GRDBConsultationsStore.officeComment(record, publicText: masked.text, withdrawal: nil), masked.spans)
        }
    }

    // MARK: Helpers

    /// The comment with its public text, when it is published.
    static func published(_ tx: PostgresTransaction, _ record: ConsultationCommentRecord) async throws -> PublishedComment? {
        guard record.state == .published else { return nil }
        return try await publishedComments(tx, consultationID: record.consultationId, ids: [record.id!]).first
    }

    static func auditComment(
        _ tx: PostgresTransaction, _ actor: AuthenticatedStaff, _ action: String, _ id: Int64, before: AuditedPublication,
        after: AuditedPublication, at now: Date
    ) async throws {
        try await AuditEntry.record(
            tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: "consultation_comment",
            subjectID: String(id), before: before, after: after, at: now)
    }
}

/// The few `PublicationWithdrawals` reads and writes comments need, on
/// PostgreSQL, for comments only. The shared PostgreSQL counterparts
/// (Withdrawals/PostgresPublicationWithdrawals.swift) are another part of
/// issue 16; these stay private to consultations so the two do not clash.
enum ConsultationWithdrawalQueries {
    static let kind = WithdrawableKind.comment

    static func displayName(_ tx: PostgresTransaction, userID: Int64) async throws -> String? {
        try await tx.scalar("SELECT display_name FROM staff_user WHERE id = \(userID)", as: String.self)
    }

    /// The withdrawal in force for a comment, if it is withdrawn now.
    static func withdrawalInForce(_ tx: PostgresTransaction, _ id: Int64) async throws -> PublicationWithdrawalRecord? {
        try await tx.record(
            PublicationWithdrawalRecord.self,
            """
            SELECT * FROM publication_withdrawal
            WHERE subject_kind = \(kind.rawValue) AND subject_id = \(id) AND republished_at IS NULL
            ORDER BY id
            """)
    }

    /// The withdrawals in force among some comments, by id, with the staff
    /// members' names.
    static func withdrawalsInForce(_ tx: PostgresTransaction, ids: [Int64]) async throws -> [Int64: PublicationWithdrawal] {
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
        var republishedBy: String?
        if let id = record.republishedBy { republishedBy = try await displayName(tx, userID: id) }
        return PublicationWithdrawal(
            withdrawnById: record.withdrawnBy, withdrawnBy: try await displayName(tx, userID: record.withdrawnBy) ?? "",
            withdrawnAt: record.withdrawnAt, reason: record.reason, republishedById: record.republishedBy,
            republishedBy: republishedBy, republishedAt: record.republishedAt)
    }

    /// `PublicationWithdrawals.recordWithdrawal` for a comment.
    static func recordWithdrawal(
        _ tx: PostgresTransaction, _ id: Int64, published: Bool, reason: String, actor: AuthenticatedStaff, at now: Date
    ) async throws -> PublicationWithdrawalRecord {
        let inForce = try await withdrawalInForce(tx, id)
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

    /// `PublicationWithdrawals.recordRepublication` for a comment.
    static func recordRepublication(_ tx: PostgresTransaction, _ id: Int64, text: String, actor: AuthenticatedStaff, at now: Date)
        async throws -> PublicationWithdrawalRecord
    {
        let inForce = try await withdrawalInForce(tx, id)
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
