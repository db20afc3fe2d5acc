import Foundation
import Synchronization

/// A live channel the hub keeps and ends at shutdown: a broadcaster, or a
/// room of several.
protocol LiveChannel: AnyObject, Sendable {
    /// Ends every subscription (server shutdown).
    func finishAll()
}

extension Broadcaster: LiveChannel {}

/// A channel that is, or holds, a live room: the ticker sends viewer counts
/// and heartbeats to every one.
protocol LiveRoomChannel: LiveChannel {
    var live: LiveRoom { get }
}

/// How a feature names its channels: one key type per kind of channel (a
/// room per interview, one channel for every moderation console), so two
/// features never share a channel by accident.
protocol LiveChannelKey: Hashable, Sendable {
    associatedtype Channel: LiveChannel
    /// Makes the channel on first use, with the hub's limits.
    func makeChannel(in hub: LiveHub) -> Channel
}

/// The live channels the server publishes on: a registry of channels by
/// key, each made on first use and ended at shutdown. It knows channels and
/// frames only; each feature defines its keys and what it publishes (an
/// interview's room, the moderation consoles' channel).
public final class LiveHub: Sendable {
    private let channels = Mutex<[AnyHashable: any LiveChannel]>([:])
    /// Anonymous viewer sockets per client address, across all channels.
    let viewerSockets: ViewerSocketLimiter
    /// Unsent bytes a viewer may have queued before it is cut off (4000).
    let viewerByteBudget: Int

    public init(
        maxViewerSocketsPerAddress: Int = AppConfiguration.defaultMaxViewerSocketsPerAddress,
        viewerByteBudget: Int = AppConfiguration.defaultViewerByteBudget
    ) {
        viewerSockets = ViewerSocketLimiter(maxPerAddress: maxViewerSocketsPerAddress)
        self.viewerByteBudget = viewerByteBudget
    }

    /// The hub with the configuration's live limits: the one way the server
    /// and its tests make it, so neither can leave a limit at its default.
    public convenience init(configuration: AppConfiguration) {
        self.init(
            maxViewerSocketsPerAddress: configuration.maxViewerSocketsPerAddress, viewerByteBudget: configuration.viewerByteBudget)
    }

    /// The channel `key` names, made on first use. Making one only builds
    /// broadcasters, so it runs under the lock without calling out.
    func channel<Key: LiveChannelKey>(_ key: Key) -> Key.Channel {
        channels.withLock { channels in
            if let channel = channels[AnyHashable(key)] as? Key.Channel { return channel }
            let channel = key.makeChannel(in: self)
            channels[AnyHashable(key)] = channel
            return channel
        }
    }

    /// The channel `key` names if it was ever used.
    func existingChannel<Key: LiveChannelKey>(_ key: Key) -> Key.Channel? {
        channels.withLock { $0[AnyHashable(key)] as? Key.Channel }
    }

    /// Every channel of one kind, with its key (a feature's metrics).
    func channels<Key: LiveChannelKey>(of kind: Key.Type) -> [(Key, Key.Channel)] {
        channels.withLock { channels in
            channels.compactMap { key, channel in
                guard let key = key.base as? Key, let channel = channel as? Key.Channel else { return nil }
                return (key, channel)
            }
        }
    }

    /// Every live room, whatever feature made it (the rooms the ticker visits).
    func rooms() -> [LiveRoom] {
        channels.withLock { $0.values.compactMap { ($0 as? any LiveRoomChannel)?.live } }
    }

    /// Ends every live connection (server shutdown).
    public func finishAll() {
        // Copied out of the lock: finishing resumes the subscribers' tasks.
        for channel in channels.withLock({ Array($0.values) }) { channel.finishAll() }
    }
}
