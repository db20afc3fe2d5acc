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
        // A decided question changes its interview's public list and queue.
        if change == "decided", item.kind == .question, let url = item.sourceURL, url.hasPrefix("/interviews/"),
            let interviewID = Int64(url.dropFirst("/interviews/".count))
        {
            room(interviewID).publishQuestionsChanged()
        }
    }
}
extension ModerationItem: ResponseEncodable {}
