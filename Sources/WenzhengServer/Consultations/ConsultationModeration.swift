import WenzhengStore

/// What moderation means for public comment on the server: a comment's
/// card links to the draft's public page. (Publishing an approved comment
/// is the store's: `GRDBConsultationsStore`.) The page is read fresh, so no
/// decision needs a live update.
struct ConsultationModeration: ModeratedFeature {
    func page(of subject: ModerationSubject) -> String? {
        guard case .consultationComment(let consultationID, _) = subject else { return nil }
        return "/consultations/\(consultationID)"
    }

    func moderationDecided(_ effect: ModerationEffect) {}
}
