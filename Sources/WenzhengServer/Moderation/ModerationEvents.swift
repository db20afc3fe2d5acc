import Foundation
import Hummingbird
import WenzhengCore
import WenzhengStore

/// A change to one queue item, as sent to moderators' consoles.
struct ModerationItemEvent: Encodable {
    var v = liveProtocolVersion
    var type = "moderation.item"
    /// What happened: created, claimed, released, decided.
    var change: String
    var item: ModerationItem
}

/// Sent when the word lists were reloaded.
struct ModerationReloadEvent: Encodable {
    var v = liveProtocolVersion
    var type = "moderation.reloaded"
    var terms: Int
}

extension LiveHub {
    /// Tells every moderation console about a change. One frame goes to
    /// admins and moderators alike, so it carries the redacted item
    /// (masked text, masked spans by kind); an admin's console fetches the
    /// card, which shows them the unmasked text.
    func publishModeration(_ item: ModerationItem, change: String) {
        moderation.publish(Self.encode(ModerationItemEvent(change: change, item: item.redacted())))
    }

    /// A decision: the consoles hear of the item, and the feature that owns
    /// the text hears of what changed (typed by the store, not read from a
    /// web path).
    func publishDecision(_ item: ModerationItem, effect: ModerationEffect) {
        publishModeration(item, change: "decided")
        switch effect {
        case .interviewQuestionsChanged(let interviewID):
            room(interviewID).publishQuestionsChanged()
        case .letterPublished, .none:
            break
        }
    }
}
extension ModerationItem: ResponseEncodable {}
