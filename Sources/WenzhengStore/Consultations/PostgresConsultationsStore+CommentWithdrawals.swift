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
            let withdrawal = try await PostgresPublicationWithdrawals.recordWithdrawal(
                tx, .comment, id, published: record.state == .published, reason: reason, actor: actor, at: now)
            try await Self.auditComment(
                tx, actor, "consultation_comment.unpublish", id, before: AuditedPublication(published: true, text: comment?.publicText),
                after: AuditedPublication(published: false, reason: reason), at: now)
            return GRDBConsultationsStore.officeComment(
                record, publicText: comment?.publicText ?? "",
                withdrawal: try await PostgresPublicationWithdrawals.withdrawalView(tx, withdrawal))
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
            _ = try await PostgresPublicationWithdrawals.recordRepublication(tx, .comment, id, text: masked.text, actor: actor, at: now)
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

