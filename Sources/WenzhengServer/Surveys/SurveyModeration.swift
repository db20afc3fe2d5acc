import WenzhengStore

/// What moderation means for surveys on the server: a free-text answer's
/// card links to its survey's public page. (Publishing an approved answer
/// with the results is the store's: `GRDBSurveysStore`.) Results pages are
/// read fresh, so no decision needs a live update.
struct SurveyModeration: ModeratedFeature {
    func page(of subject: ModerationSubject) -> String? {
        guard case .surveyAnswer(let surveyID) = subject else { return nil }
        return "/surveys/\(surveyID)"
    }

    func moderationDecided(_ effect: ModerationEffect) {}
}
