import WenzhengCore
import WenzhengStore

/// The one live channel every moderation console follows.
struct ModerationChannelKey: LiveChannelKey {
    func makeChannel(in hub: LiveHub) -> Broadcaster { Broadcaster(queueLimit: 1024) }
}

extension LiveHub {
    /// Every change to the moderation queue, for moderators' consoles.
    var moderation: Broadcaster { channel(ModerationChannelKey()) }
}

/// Tells moderation consoles what changed in the queue, and presents items
/// as staff may see them. Features that queue text (an interview's
/// questions) announce new items through it too.
struct ModerationChannel: Sendable {
    let hub: LiveHub
    /// The features whose text the queue holds, for links to it.
    let features: ModeratedFeatures

    /// An item as `staff` may see it: unmasked text for admins only, masked
    /// for everyone else with each masked span marked by kind
    /// (`ModerationItem.redacted()`); with the link to its page.
    func presented(_ item: ModerationItem, to staff: AuthenticatedStaff?) -> ModerationItem {
        var item = item
        if staff.map({ PersonalInformationAccess.mayReadUnmasked($0.role) }) != true { item = item.redacted() }
        item.sourceURL = features.page(of: item.subject)
        return item
    }

    /// Tells every console about a change. One frame goes to admins and
    /// moderators alike, so it carries the redacted item (masked text,
    /// masked spans by kind); an admin's console fetches the card, which
    /// shows them the unmasked text.
    ///
    /// With no console open the frame is not made: masking and encoding it
    /// cost as much as a question's database write (issue 13), and a
    /// console that opens later reads the queue anyway.
    func announce(_ item: ModerationItem, _ change: ModerationFrames.Change) {
        let consoles = hub.moderation
        guard consoles.subscriberCount > 0 else { return }
        consoles.publish(LiveFrame.encode(ModerationFrames.ItemChanged(change: change, item: presented(item, to: nil))))
    }

    /// The word lists were reloaded.
    func announceReload(terms: Int) {
        hub.moderation.publish(LiveFrame.encode(ModerationFrames.Reloaded(terms: terms)))
    }
}
