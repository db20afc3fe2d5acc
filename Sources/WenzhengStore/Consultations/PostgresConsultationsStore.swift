import Foundation
import PostgresNIO
import WenzhengCore

/// `ConsultationsStore` on PostgreSQL (issue 16): the same transactions,
/// audit entries, errors and orders as `GRDBConsultationsStore`, whose
/// backend-neutral rules (roles, import checks, the split, the view's
/// shape) it reuses.
struct PostgresConsultationsStore: ConsultationsStore {
    let backend: PostgresBackend
}

extension PostgresConsultationsStore: PostgresModerationSubject {
    static var moderationSourceType: String { GRDBConsultationsStore.commentSourceType }

    /// An approved comment becomes public with its masked text; a rejected
    /// or merged one never does. Nothing live follows a comment, so the
    /// effect is `none`.
    func moderationDecided(_ tx: PostgresTransaction, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) async throws
        -> ModerationEffect
    {
        guard let id = Int64(item.sourceId),
            var comment = try await tx.record(ConsultationCommentRecord.self, "SELECT * FROM consultation_comment WHERE id = \(id)")
        else { return .none }
        switch item.state {
        case .approved, .edited:
            comment.state = .published
            comment.publishedText = item.maskedText
            comment.publishedAt = now
        case .rejected:
            comment.state = .rejected
        case .pending:
            return .none
        }
        try await tx.update("consultation_comment", comment, id: id)
        return .none
    }

    func moderationSubjects(_ tx: PostgresTransaction, sourceIDs: [String]) async throws -> [String: ModerationSubject] {
        let ids = sourceIDs.compactMap { Int64($0) }
        guard !ids.isEmpty else { return [:] }
        var subjects: [String: ModerationSubject] = [:]
        for row in try await tx.rows("SELECT id, consultation_id FROM consultation_comment WHERE id = ANY(\(ids))") {
            let id = try row.value("id", as: Int64.self)
            subjects[String(id)] = .consultationComment(consultationID: try row.value("consultation_id", as: Int64.self), commentID: id)
        }
        return subjects
    }
}
