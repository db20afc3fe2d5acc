import WenzhengStore

/// The JSON frames of the moderators' live channel (docs/live-protocol.md).
enum ModerationFrames {
    /// What happened to a queue item.
    enum Change: String, Encodable {
        case created, claimed, released, decided
    }

    /// A change to one queue item, as sent to moderators' consoles.
    struct ItemChanged: Encodable {
        var v = liveProtocolVersion
        var type = "moderation.item"
        var change: Change
        var item: ModerationItem
    }

    /// Sent when the word lists were reloaded.
    struct Reloaded: Encodable {
        var v = liveProtocolVersion
        var type = "moderation.reloaded"
        var terms: Int
    }
}
