import WenzhengStore

/// What moderation decisions mean for interviews on the server: an approved
/// question links to its interview's page, and a decision that changed an
/// interview's public questions tells its room. (What a decision does to
/// the question itself is the store's: `GRDBInterviewsStore+QuestionModeration`.)
struct InterviewModeration: ModeratedFeature {
    let hub: LiveHub

    func page(of subject: ModerationSubject) -> String? {
        guard case .interviewQuestion(let interviewID, _) = subject else { return nil }
        return "/interviews/\(interviewID)"
    }

    func moderationDecided(_ effect: ModerationEffect) {
        if case .interviewQuestionsChanged(let interviewID) = effect {
            hub.room(interviewID).publishQuestionsChanged()
        }
    }
}
