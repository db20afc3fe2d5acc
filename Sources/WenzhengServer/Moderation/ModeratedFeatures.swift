import WenzhengStore

/// A feature whose citizens' text goes through the queue, as the server's
/// moderation side knows it: only through the typed subject and effect the
/// store returns, never a web path or another feature's types.
protocol ModeratedFeature: Sendable {
    /// The public page where a subject's text appears, for the moderator's
    /// link; nil for another feature's subject.
    func page(of subject: ModerationSubject) -> String?
    /// A decision changed what this feature shows: tell its live pages.
    /// Other features' effects are ignored.
    func moderationDecided(_ effect: ModerationEffect)
}

/// Every feature that registered with moderation, asked together.
struct ModeratedFeatures: Sendable {
    let features: [any ModeratedFeature]

    init(_ features: [any ModeratedFeature] = []) {
        self.features = features
    }

    /// The page of an item's text, when its feature names one.
    func page(of subject: ModerationSubject?) -> String? {
        guard let subject else { return nil }
        return features.lazy.compactMap { $0.page(of: subject) }.first
    }

    /// Hands a decision's effect to every feature; the owner acts on it.
    func decided(_ effect: ModerationEffect) {
        guard effect != .none else { return }
        for feature in features { feature.moderationDecided(effect) }
    }
}
