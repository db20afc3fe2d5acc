import Foundation
import PostgresNIO
import WenzhengCore

/// Where an interview question is approved, rejected or merged on
/// PostgreSQL: the moderation store calls this inside the decision's
/// transaction (`GRDBInterviewsStore+QuestionModeration`).
extension PostgresInterviewsStore: PostgresModerationSubject {
    static var moderationSourceType: String { GRDBInterviewsStore.questionSourceType }

    /// A decided question: approved onto the public list (or straight to the
    /// deferred list after the interview), rejected, or merged into another.
    /// The public list changed: the other nodes hear of it on commit.
    func moderationDecided(_ tx: PostgresTransaction, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) async throws
        -> ModerationEffect
    {
        try await Self.applyQuestionModeration(tx, item, mergedIntoItemID: mergedIntoItemID, at: now)
    }

    /// Each queued question's interview, for links and live pages.
    func moderationSubjects(_ tx: PostgresTransaction, sourceIDs: [String]) async throws -> [String: ModerationSubject] {
        let ids = sourceIDs.compactMap { Int64($0) }
        guard !ids.isEmpty else { return [:] }
        var subjects: [String: ModerationSubject] = [:]
        for row in try await tx.rows("SELECT id, interview_id FROM interview_question WHERE id = ANY(\(ids))") {
            let id = try row.value("id", as: Int64.self)
            subjects[String(id)] = .interviewQuestion(interviewID: try row.value("interview_id", as: Int64.self), questionID: id)
        }
        return subjects
    }

    /// Called when a moderator decides on a question's queue item.
    static func applyQuestionModeration(_ tx: PostgresTransaction, _ item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date)
        async throws -> ModerationEffect
    {
        guard let id = Int64(item.sourceId), var question = try await question(tx, id: id) else { return .none }
        switch item.state {
        case .approved, .edited:
            question.publishedText = item.maskedText
            let interview = try await existingInterview(tx, id: question.interviewId)
            if interview.status == .ended || interview.status == .published {
                // Approved after the interview: straight to the deferred
                // list, with its reply deadline counted from today.
                question.state = .deferred
                question.deferredAt = now
                question.replyDueOn = try await PostgresCalendarStore.holidayCalendar(tx)
                    .adding(workingDays: InterviewRules.deferredReplyWorkingDays, to: CivilDate(now)).description
            } else {
                question.state = .approved
            }
        case .rejected:
            let target = try await mergedIntoItemID.asyncFlatMap { itemID in
                try await tx.row("SELECT * FROM interview_question WHERE moderation_item_id = \(itemID) ORDER BY id LIMIT 1")
                    .map(InterviewQuestionRecord.init(postgresRow:))
            }
            if let target, target.interviewId == question.interviewId, target.id != question.id {
                question.state = .merged
                question.mergedIntoId = target.id
            } else {
                question.state = .rejected
            }
        case .pending:
            return .none
        }
        try await question.update(tx)
        try await notifyChange(tx, interviewID: question.interviewId, seq: nil, questionsChanged: true)
        return .interviewQuestionsChanged(interviewID: question.interviewId)
    }
}

extension Optional {
    /// `flatMap` with an async transform.
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
