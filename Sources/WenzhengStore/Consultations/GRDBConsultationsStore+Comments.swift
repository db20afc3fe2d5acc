import Foundation
import GRDB
import WenzhengCore

/// Citizens' comments: received into the moderation queue, published by
/// it, and read back for the public page and the office.
extension GRDBConsultationsStore {
    func submitComment(consultationID: Int64, _ submission: CommentSubmission, check: ContentFilter.Result, at now: Date)
        async throws -> (SubmittedComment, ModerationItem)
    {
        try await writer.write { db in
            let consultation = try Self.existingConsultation(db, id: consultationID)
            guard consultation.state != .draft else { throw StoreError.notFound(kind: "consultation", key: String(consultationID)) }
            let availability = ConsultationRules.availability(
                state: consultation.state,
                window: ParticipationWindow(opensAt: consultation.opensAt, closesAt: consultation.closesAt), now: now)
            guard availability == .open else { throw CommentPeriodClosed(availability: availability) }
            var record = ConsultationCommentRecord(
                id: nil, consultationId: consultationID, sectionKey: Self.sectionKey(submission.target), text: submission.text,
                nickname: submission.nickname, state: .pending, publishedText: nil, publishedAt: nil, moderationItemId: nil,
                submittedAt: now, groupId: nil, decision: nil, decisionReason: nil, decidedBy: nil, decidedAt: nil)
            try record.insert(db)
            let item = try GRDBModerationStore.enqueueModeration(
                db,
                NewModerationItem(
                    kind: .comment, sourceType: Self.commentSourceType, sourceID: String(record.id!),
                    authorName: submission.nickname, text: submission.text, check: check),
                at: now)
            record.moderationItemId = item.id
            try record.update(db)
            let submitted = SubmittedComment(
                id: record.id!, consultationID: consultationID, target: submission.target, state: .pending, submittedOn: CivilDate(now))
            return (submitted, try GRDBModerationStore.view(db, item))
        }
    }

    func publishedComments(consultationID: Int64) async throws -> [OfficeComment] {
        try await reader.read { db in
            _ = try Self.existingConsultation(db, id: consultationID)
            let published = try Self.publishedComments(db, consultationID: consultationID)
            let withdrawn = try PublicationWithdrawals.withdrawalsInForce(db, .comment, ids: published.map { $0.record.id! })
            return published.map { Self.officeComment($0.record, publicText: $0.publicText, withdrawal: withdrawn[$0.record.id!]) }
        }
    }

    func publicConsultation(id: Int64) async throws -> PublicConsultation? {
        try await reader.read { db in
            guard let record = try ConsultationRecord.fetchOne(db, key: id), record.state != .draft else { return nil }
            let published = try Self.publishedComments(db, consultationID: id)
            let input = try Self.reportInput(db, record, published: published)
            let withdrawn = Set(try PublicationWithdrawals.withdrawalsInForce(db, .comment, ids: published.map { $0.record.id! }).keys)
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
                // them) without their text. Publication checked the report
                // and nothing it rests on changes afterwards.
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

    static func sectionKey(_ target: CommentTarget) -> String? {
        switch target {
        case .wholeDraft: nil
        case .section(let key): key
        }
    }

    /// A published comment and what the public reads of it: the admin's
    /// latest correction, else the approved text masked.
    struct PublishedComment {
        var record: ConsultationCommentRecord
        var publicText: String
    }

    /// A consultation's published comments in id order, with their public
    /// texts, in one query.
    static func publishedComments(_ db: Database, consultationID: Int64, ids: [Int64]? = nil) throws -> [PublishedComment] {
        let only = ids.map { ids in " AND consultation_comment.id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))" } ?? ""
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT consultation_comment.*,
                       COALESCE((\(PublicationWithdrawals.latestRepublishedTextSQL(.comment, id: "consultation_comment.id"))),
                                consultation_comment.published_text) AS public_text
                FROM consultation_comment
                WHERE consultation_comment.consultation_id = ? AND consultation_comment.state = 'published'\(only)
                ORDER BY consultation_comment.id
                """, arguments: StatementArguments([consultationID] + (ids ?? [])))
        return try rows.map { PublishedComment(record: try ConsultationCommentRecord(row: $0), publicText: $0["public_text"]) }
    }

    static func officeComment(_ record: ConsultationCommentRecord, publicText: String, withdrawal: PublicationWithdrawal?)
        -> OfficeComment
    {
        OfficeComment(
            id: record.id!, consultationID: record.consultationId, target: record.target, publicText: publicText,
            nickname: InterviewRules.publicNickname(record.nickname), submittedOn: CivilDate(record.submittedAt),
            publishedAt: record.publishedAt ?? record.submittedAt, groupID: record.groupId, decision: record.record,
            withdrawal: withdrawal)
    }

    static func existingComment(_ db: Database, id: Int64) throws -> ConsultationCommentRecord {
        guard let record = try ConsultationCommentRecord.fetchOne(db, key: id) else {
            throw StoreError.notFound(kind: "comment", key: String(id))
        }
        return record
    }
}
