import Foundation
import GRDB
import WenzhengCore

/// Where an interview question is approved, rejected or merged: the
/// moderation store calls the feature that owns the text inside the
/// decision's transaction (`GRDBModerationSubject`), and the feature says
/// what the decision means for its question and returns the typed effect.
extension GRDBInterviewsStore: GRDBModerationSubject {
    static var moderationSourceType: String { questionSourceType }

    /// A decided question: approved onto the public list (or straight to the
    /// deferred list after the interview), rejected, or merged into another.
    func moderationDecided(_ db: Database, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) throws
        -> ModerationEffect
    {
        try Self.applyQuestionModeration(db, item, mergedIntoItemID: mergedIntoItemID, at: now)
    }

    /// Each queued question's interview, for links and live pages.
    func moderationSubjects(_ db: Database, sourceIDs: [String]) throws -> [String: ModerationSubject] {
        let questions = try Self.parents(db, of: sourceIDs, in: "interview_question", parentColumn: "interview_id")
        return Dictionary(
            uniqueKeysWithValues: questions.compactMap { id, interviewID in
                Int64(id).map { (id, .interviewQuestion(interviewID: interviewID, questionID: $0)) }
            })
    }
}

extension GRDBInterviewsStore {
    static let questionSourceType = "interview_question"

    /// Called when a moderator decides on a question's queue item.
    static func applyQuestionModeration(_ db: Database, _ item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) throws
        -> ModerationEffect
    {
        guard let id = Int64(item.sourceId), var question = try InterviewQuestionRecord.fetchOne(db, key: id) else { return .none }
        switch item.state {
        case .approved, .edited:
            question.publishedText = item.maskedText
            let interview = try existingInterview(db, id: question.interviewId)
            if interview.status == .ended || interview.status == .published {
                // Approved after the interview: straight to the deferred
                // list, with its reply deadline counted from today.
                question.state = .deferred
                question.deferredAt = now
                question.replyDueOn = try GRDBCalendarStore.holidayCalendar(db)
                    .adding(workingDays: InterviewRules.deferredReplyWorkingDays, to: CivilDate(now)).description
            } else {
                question.state = .approved
            }
        case .rejected:
            if let mergedIntoItemID,
                let target = try InterviewQuestionRecord.filter(Column("moderation_item_id") == mergedIntoItemID).fetchOne(db),
                target.interviewId == question.interviewId, target.id != question.id
            {
                question.state = .merged
                question.mergedIntoId = target.id
            } else {
                question.state = .rejected
            }
        case .pending:
            return .none
        }
        try question.update(db)
        return .interviewQuestionsChanged(interviewID: question.interviewId)
    }
}
