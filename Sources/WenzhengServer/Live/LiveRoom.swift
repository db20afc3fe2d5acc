import Foundation
import Synchronization

/// A live room: anonymous viewers and staff consoles following the same
/// numbered stream, the order in which its events reach them, and the
/// room's own frames (viewer counts, heartbeats). A feature makes one per
/// thing it streams (an interview) and says what goes in it.
final class LiveRoom: LiveRoomChannel {
    /// Anonymous viewers, served on the event loops.
    let viewers: ViewerFanOut
    /// Staff consoles: everything viewers get, and what only staff see.
    let console: Broadcaster
    /// Commit-then-publish runs one at a time per room, so numbered events
    /// reach every subscriber in sequence order.
    let sequencer = AsyncSerialLock()
    private let lastCount = Mutex(-1)

    var live: LiveRoom { self }

    init(viewerByteBudget: Int = AppConfiguration.defaultViewerByteBudget, consoleQueueLimit: Int = 1024) {
        viewers = ViewerFanOut(byteBudget: viewerByteBudget)
        console = Broadcaster(queueLimit: consoleQueueLimit)
    }

    /// A frame for viewers and consoles alike: framed for the wire once for
    /// every viewer.
    func publish(_ frame: Broadcaster.Frame) {
        publish(frame, wire: ViewerFrame(seq: frame.seq, wire: WebSocketWire.text(frame.bytes)))
    }

    /// A frame for viewers and consoles alike, already framed for viewers.
    func publish(_ frame: Broadcaster.Frame, wire: ViewerFrame) {
        viewers.publish(wire)
        console.publish(frame)
    }

    /// Sends the viewer count if it changed since the last call.
    func publishViewerCountIfChanged() {
        let count = viewers.viewerCount
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

    var isIdle: Bool { viewers.viewerCount == 0 && console.subscriberCount == 0 }

    func finishAll() {
        viewers.closeAll(.goingAway)
        console.finishAll()
    }
}
