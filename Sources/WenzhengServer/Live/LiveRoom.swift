import Foundation
import Synchronization

/// A live room: anonymous viewers and staff consoles following the same
/// numbered stream, the order in which its events reach them, and the
/// room's own frames (viewer counts, heartbeats). A feature makes one per
/// thing it streams (an interview) and says what goes in it.
final class LiveRoom: LiveChannel {
    /// Anonymous viewers.
    let viewers: Broadcaster
    /// Staff consoles: everything viewers get, and what only staff see.
    let console: Broadcaster
    /// Commit-then-publish runs one at a time per room, so numbered events
    /// reach every subscriber in sequence order.
    let sequencer = AsyncSerialLock()
    private let lastCount = Mutex(-1)

    init(viewerQueueLimit: Int = 512, consoleQueueLimit: Int = 1024) {
        viewers = Broadcaster(queueLimit: viewerQueueLimit)
        console = Broadcaster(queueLimit: consoleQueueLimit)
    }

    /// A frame for viewers and consoles alike.
    func publish(_ frame: Broadcaster.Frame) {
        viewers.publish(frame)
        console.publish(frame)
    }

    /// Sends the viewer count if it changed since the last call.
    func publishViewerCountIfChanged() {
        let count = viewers.subscriberCount
        let changed = lastCount.withLock { last in
            defer { last = count }
            return last != count
        }
        guard changed else { return }
        publish(Broadcaster.Frame(bytes: LiveFrame.encode(LiveFrame.Viewers(count: count))))
    }

    /// A heartbeat, so clients can tell a dead connection.
    func ping() {
        publish(Broadcaster.Frame(bytes: LiveFrame.encode(LiveFrame.Signal(type: "ping"))))
    }

    var isIdle: Bool { viewers.subscriberCount == 0 && console.subscriberCount == 0 }

    func finishAll() {
        viewers.finishAll()
        console.finishAll()
    }
}
