import Foundation
import GRDB
import WenzhengCore

/// `ConsultationsStore` over the shared SQLite connection pool (GRDB).
struct GRDBConsultationsStore: ConsultationsStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }

    /// The `source_type` of comments' moderation items.
    static let commentSourceType = "consultation_comment"
}

extension GRDBConsultationsStore: GRDBModerationSubject {
    static var moderationSourceType: String { commentSourceType }

    /// An approved comment becomes public with its masked text; a rejected
    /// or merged one never does. Nothing live follows a comment (pages are
    /// read fresh), so the effect is `none`.
    func moderationDecided(_ db: Database, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) throws
        -> ModerationEffect
    {
        guard let id = Int64(item.sourceId), var comment = try ConsultationCommentRecord.fetchOne(db, key: id) else { return .none }
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
        try comment.update(db)
        return .none
    }

    func moderationSubjects(_ db: Database, sourceIDs: [String]) throws -> [String: ModerationSubject] {
        let comments = try Self.parents(db, of: sourceIDs, in: "consultation_comment", parentColumn: "consultation_id")
        return Dictionary(
            uniqueKeysWithValues: comments.compactMap { id, consultationID in
                Int64(id).map { (id, .consultationComment(consultationID: consultationID, commentID: $0)) }
            })
    }
}
