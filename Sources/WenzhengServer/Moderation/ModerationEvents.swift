import Foundation
import Hummingbird
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
    func publishModeration(_ item: ModerationItem, change: String) {
        moderation.publish(Self.encode(ModerationItemEvent(change: change, item: item)))
    }
}
extension ModerationItem: ResponseEncodable {}
