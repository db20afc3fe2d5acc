import Foundation
import PostgresNIO
import WenzhengCore

/// Citizens' comments on PostgreSQL: received into the moderation queue,
/// published by it, and read back for the public page and the office.
extension PostgresConsultationsStore {
    func submitComment(consultationID: Int64, _ submission: CommentSubmission, check: ContentFilter.Result, at now: Date)
        async throws -> (SubmittedComment, ModerationItem)
    {
        let (submitted, item) = try await backend.write { tx in
            let consultation = try await Self.existingConsultation(tx, id: consultationID)
            guard consultation.state != .draft else { throw StoreError.notFound(kind: "consultation", key: String(consultationID)) }
            let availability = ConsultationRules.availability(
                state: consultation.state,
                window: ParticipationWindow(opensAt: consultation.opensAt, closesAt: consultation.closesAt), now: now)
            guard availability == .open else { throw CommentPeriodClosed(availability: availability) }
            var record = ConsultationCommentRecord(
                id: nil, consultationId: consultationID, sectionKey: GRDBConsultationsStore.sectionKey(submission.target),
                text: submission.text, nickname: submission.nickname, state: .pending, publishedText: nil, publishedAt: nil,
                moderationItemId: nil, submittedAt: now, groupId: nil, decision: nil, decisionReason: nil, decidedBy: nil, decidedAt: nil)
            let id = try await tx.insert(into: "consultation_comment", record)
            record.id = id
            let item = try await PostgresModerationStore.enqueueModeration(
                tx,
                NewModerationItem(
                    kind: .comment, sourceType: GRDBConsultationsStore.commentSourceType, sourceID: String(id!),
                    authorName: submission.nickname, text: submission.text, check: check),
                at: now)
            try await tx.execute("UPDATE consultation_comment SET moderation_item_id = \(item.id) WHERE id = \(id)")
            let submitted = SubmittedComment(
                id: id!, consultationID: consultationID, target: submission.target, state: .pending, submittedOn: CivilDate(now))
            return (submitted, item)
        }
        // Just queued: nobody has claimed or decided it, and its findings
        // are the check's (what `GRDBModerationStore.view` reads back).
        return (submitted, GRDBModerationStore.queuedView(item, check: check))
    }

    func publishedComments(consultationID: Int64) async throws -> [OfficeComment] {
        try await backend.read { tx in
            _ = try await Self.existingConsultation(tx, id: consultationID)
            let published = try await Self.publishedComments(tx, consultationID: consultationID)
            let withdrawn = try await PostgresPublicationWithdrawals.withdrawalsInForce(tx, .comment, ids: published.map { $0.record.id! })
            return published.map {
                GRDBConsultationsStore.officeComment($0.record, publicText: $0.publicText, withdrawal: withdrawn[$0.record.id!])
            }
        }
    }

    func publicConsultation(id: Int64) async throws -> PublicConsultation? {
        try await backend.read { tx in
            guard let record = try await tx.record(ConsultationRecord.self, "SELECT * FROM consultation WHERE id = \(id)"),
                record.state != .draft
            else { return nil }
            let published = try await Self.publishedComments(tx, consultationID: id)
            let input = try await Self.reportInput(tx, record, published: published)
            let withdrawn = Set(try await PostgresPublicationWithdrawals.withdrawalsInForce(tx, .comment, ids: published.map { $0.record.id! }).keys)
            let comments = published.map { comment in
                let id = comment.record.id!
                return PublicComment(
                    id: id, target: comment.record.target, text: withdrawn.contains(id) ? nil : comment.publicText,
                    nickname: InterviewRules.publicNickname(comment.record.nickname), submittedOn: CivilDate(comment.record.submittedAt),
                    withdrawn: withdrawn.contains(id))
            }
            var report: AdoptionReport?
            if record.state == .reportPublished {
                // Withdrawn comments stay in the report (the office answered
                // them) without their text.
                let shown = input.comments.map { comment -> ConsultationComment in
                    var comment = comment
                    if withdrawn.contains(comment.id) { comment.text = "" }
                    return comment
                }
                report = try? AdoptionReport.build(
                    definition: input.definition, comments: shown, groups: input.groups, decisions: input.decisions)
            }
            return PublicConsultation(
                id: id, title: record.title, draftingExplanation: record.draftingExplanation, opensAt: record.opensAt,
                closesAt: record.closesAt, state: record.state, finished: record.state.isFinished, draft: input.definition.draft,
                commentCounts: ConsultationComments.counts(draft: input.definition.draft, targets: input.comments.map(\.target)),
                comments: comments, report: report, reportPublishedAt: record.reportPublishedAt, withdrawnCommentIDs: withdrawn.sorted())
        }
    }

    // MARK: Helpers

    typealias PublishedComment = GRDBConsultationsStore.PublishedComment

    /// A consultation's published comments in id order, with their public
    /// texts (the latest correction, else the approved text), in one query.
    static func publishedComments(_ tx: PostgresTransaction, consultationID: Int64, ids: [Int64]? = nil) async throws
        -> [PublishedComment]
    {
        let republished = PublicationWithdrawals.latestRepublishedTextSQL(.comment, id: "consultation_comment.id")
        let rows: [PostgresRandomAccessRow]
        if let ids {
            rows = try await tx.rows(
                """
                SELECT consultation_comment.*,
                       COALESCE((\(unescaped: republished)), consultation_comment.published_text) AS public_text
                FROM consultation_comment
                WHERE consultation_comment.consultation_id = \(consultationID) AND consultation_comment.state = 'published'
                  AND consultation_comment.id = ANY(\(ids))
                ORDER BY consultation_comment.id
                """)
        } else {
            rows = try await tx.rows(
                """
                SELECT consultation_comment.*,
                       COALESCE((\(unescaped: republished)), consultation_comment.published_text) AS public_text
                FROM consultation_comment
                WHERE consultation_comment.consultation_id = \(consultationID) AND consultation_comment.state = 'published'
                ORDER BY consultation_comment.id
                """)
        }
        return try rows.map {
            PublishedComment(
                record: try PostgresRecordDecoder.decode(ConsultationCommentRecord.self, from: $0),
                publicText: try $0.value("public_text", as: String.self))
        }
    }

    static func existingComment(_ tx: PostgresTransaction, id: Int64) async throws -> ConsultationCommentRecord {
        guard let record = try await tx.record(ConsultationCommentRecord.self, "SELECT * FROM consultation_comment WHERE id = \(id)") else {
            throw StoreError.notFound(kind: "comment", key: String(id))
        }
        return record
    }
}
