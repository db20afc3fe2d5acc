import Foundation
import GRDB
import WenzhengCore

/// Withdrawing a published comment and publishing it again after
/// correction (docs/security.md, "Withdrawing published text"): the rule
/// and the table are the letters' and transcript entries'; the public page
/// and report read through the withdrawal row, so they change in the same
/// transaction.
extension GRDBConsultationsStore {
    func unpublishComment(id: Int64, reason: String, actor: AuthenticatedStaff, at now: Date) async throws -> OfficeComment {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let reason = try PublicationWithdrawals.validatedReason(reason)
        return try await writer.write { db in
            let record = try Self.existingComment(db, id: id)
            let comment = try Self.published(db, record)
            let withdrawal = try PublicationWithdrawals.recordWithdrawal(
                db, .comment, id, published: record.state == .published, reason: reason, actor: actor, at: now)
            try Self.auditComment(
                db, actor, "consultation_comment.unpublish", id, before: AuditedPublication(published: true, text: comment?.publicText),
                after: AuditedPublication(published: false, reason: reason), at: now)
            return Self.officeComment(
                record, publicText: comment?.publicText ?? "", withdrawal: try PublicationWithdrawals.withdrawalView(db, withdrawal))
        }
    }

    func republishComment(id: Int64, text: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> (comment: OfficeComment, masked: [MaskedSpan])
    {
        try PublicationWithdrawals.ensureWithdraws(actor)
        return try await writer.write { db in
            let record = try Self.existingComment(db, id: id)
            var errors: [FieldError] = []
            let masked = WithdrawalRules.correctedText(
                TextRules.cleanedText(text, singleLine: false), field: "text", maxLength: ConsultationRules.commentMaxLength,
                authorName: record.nickname, into: &errors)
            try GRDBModerationStore.throwIfInvalid(errors)
            let before = try Self.published(db, record)
            _ = try PublicationWithdrawals.recordRepublication(db, .comment, id, text: masked.text, actor: actor, at: now)
            try Self.auditComment(
                db, actor, "consultation_comment.republish", id, before: AuditedPublication(published: false, text: before?.publicText),
                after: AuditedPublication(published: true, text: masked.text, masked: PublicationWithdrawals.maskedKinds(masked)), at: now)
            return (Self.officeComment(record, publicText: masked.text, withdrawal: nil), masked.spans)
        }
    }

    // MARK: Helpers

    /// The comment with its public text, when it is published.
    static func published(_ db: Database, _ record: ConsultationCommentRecord) throws -> PublishedComment? {
        guard record.state == .published else { return nil }
        return try publishedComments(db, consultationID: record.consultationId, ids: [record.id!]).first
    }

    static func auditComment(
        _ db: Database, _ actor: AuthenticatedStaff, _ action: String, _ id: Int64, before: AuditedPublication,
        after: AuditedPublication, at now: Date
    ) throws {
        try AuditEntry.record(
            db, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: "consultation_comment",
            subjectID: String(id), before: before, after: after, at: now)
    }
}
