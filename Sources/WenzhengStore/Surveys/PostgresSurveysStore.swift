import Foundation
import PostgresNIO
import WenzhengCore

/// `SurveysStore` on PostgreSQL (issue 16): the same transactions, audit
/// entries, errors and anonymity as `GRDBSurveysStore`.
///
/// Differences that follow from the backend:
/// - Responses do not share transactions (`GroupCommit` is SQLite's
///   throughput device): each is its own SERIALIZABLE `backend.write`, and
///   they take turns on a table lock (`submitSurveyResponse`).
/// - After a close, the WAL checkpoint that overwrites the destroyed secret
///   on SQLite becomes a best-effort `VACUUM survey`, which removes the dead
///   row versions still holding it (`flushDestroyedSecret`).
struct PostgresSurveysStore: SurveysStore {
    let backend: PostgresBackend
    /// Decoded definitions, shared by the responses (backend-neutral).
    let definitions = SurveyDefinitionCache()

    init(backend: PostgresBackend) {
        self.backend = backend
    }
}

extension PostgresSurveysStore: PostgresModerationSubject {
    static var moderationSourceType: String { GRDBSurveysStore.textAnswerSourceType }

    /// An approved free-text answer is published (masked) with the results;
    /// a rejected one is not.
    func moderationDecided(_ tx: PostgresTransaction, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) async throws
        -> ModerationEffect
    {
        let published: String? =
            switch item.state {
            case .approved, .edited: item.maskedText
            case .rejected, .pending: nil
            }
        try await tx.execute(
            "UPDATE survey_text_answer SET published_text = \(published) WHERE id = \(item.sourceId) AND moderation_item_id = \(item.id)")
        return .none
    }

    /// Only the survey: an answer's own id says nothing a moderator needs.
    func moderationSubjects(_ tx: PostgresTransaction, sourceIDs: [String]) async throws -> [String: ModerationSubject] {
        guard !sourceIDs.isEmpty else { return [:] }
        let rows = try await tx.rows("SELECT id, survey_id FROM survey_text_answer WHERE id = ANY(\(sourceIDs))")
        var subjects: [String: ModerationSubject] = [:]
        for row in rows {
            subjects[try row.value("id", as: String.self)] = .surveyAnswer(surveyID: try row.value("survey_id", as: Int64.self))
        }
        return subjects
    }
}
