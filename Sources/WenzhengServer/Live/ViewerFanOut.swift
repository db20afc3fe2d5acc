import NIOCore
import Synchronization

/// A frame on its way to viewers: complete on the wire (WebSocket header
/// included), encoded once, shared by every viewer (a `ByteBuffer` is
/// copy-on-write, so writing it to thousands of sockets copies nothing).
struct ViewerFrame: Sendable {
    /// The event's sequence number, or 0 for frames that have none.
    var seq: Int64
    var wire: ByteBuffer
}

/// One room's anonymous viewers, grouped by the event loop their
/// connection lives on (docs/live-protocol.md, "Viewer engine").
///
/// Publishing costs one hop per event loop, not one per viewer: the frame
/// goes into each loop's inbox, and the loop writes the whole inbox to
/// each of its viewers and flushes each once, so frames that queue up go
/// out in one `writev`.
///
/// Lock rule (docs/live-protocol.md, "Locks and continuations"): `shards`
/// and each inbox are held only to read or change them; nothing is called
/// out, scheduled or written while they are held.
final class ViewerFanOut: Sendable {
    private let shards = Mutex<[ObjectIdentifier: LoopViewers]>([:])
    private let count = Atomic<Int>(0)
    /// Unsent bytes a viewer may have queued before it is cut off.
    let byteBudget: Int

    init(byteBudget: Int) {
        self.byteBudget = byteBudget
    }

    var viewerCount: Int { count.load(ordering: .relaxed) }

    /// The viewers on `loop`, made on first use. Called on `loop`.
    func viewers(on loop: any EventLoop) -> LoopViewers {
        shards.withLock { shards in
            let key = ObjectIdentifier(loop)
            if let shard = shards[key] { return shard }
            let shard = LoopViewers(loop: loop, fanOut: self)
            shards[key] = shard
            return shard
        }
    }

    /// Hands `frame` to every viewer of the room.
    func publish(_ frame: ViewerFrame) {
        for shard in shards.withLock({ Array($0.values) }) { shard.enqueue(frame) }
    }

    /// Frames written to this room's viewer sockets (replays included),
    /// and viewers cut off as too slow (close code 4000), since the room
    /// was made: summed over the loops' own counters, for the metrics.
    var deliveryCounts: (framesDelivered: Int, droppedTooSlow: Int) {
        shards.withLock { Array($0.values) }.reduce(into: (0, 0)) { sum, shard in
            sum.0 += shard.delivered.load(ordering: .relaxed)
            sum.1 += shard.droppedTooSlow.load(ordering: .relaxed)
        }
    }

    /// Closes every viewer with `code` (server shutdown when the
    /// connections are not told by the server's own quiescing).
    func closeAll(_ code: ViewerConnection.CloseReason) {
        for shard in shards.withLock({ Array($0.values) }) { shard.closeAll(code) }
    }

    fileprivate func joined() { count.add(1, ordering: .relaxed) }
    fileprivate func left() { count.subtract(1, ordering: .relaxed) }
}

/// A room's viewers on one event loop. `connections` is only touched on
/// `loop`; the inbox is how other threads hand frames in.
final class LoopViewers: @unchecked Sendable {
    let loop: any EventLoop
    private unowned let fanOut: ViewerFanOut
    // Only on `loop`:
    private var connections: [ViewerConnection] = []

    private struct Inbox {
        var frames: [ViewerFrame] = []
        var drainScheduled = false
    }
    private let inbox = Mutex(Inbox())
    /// Written only on `loop`, once per drain (not per frame or viewer),
    /// and read by a scrape: no other loop shares the cache line.
    fileprivate let delivered = Atomic<Int>(0)
    fileprivate let droppedTooSlow = Atomic<Int>(0)

    fileprivate init(loop: any EventLoop, fanOut: ViewerFanOut) {
        self.loop = loop
        self.fanOut = fanOut
    }

    var byteBudget: Int { fanOut.byteBudget }

    /// Adds a connection (on `loop`); from now on it gets every frame.
    func add(_ connection: ViewerConnection) {
        loop.preconditionInEventLoop()
        connection.index = connections.count
        connections.append(connection)
        fanOut.joined()
    }

    /// Removes a connection (on `loop`); it gets nothing more.
    func remove(_ connection: ViewerConnection) {
        loop.preconditionInEventLoop()
        let index = connection.index
        guard index >= 0, index < connections.count, connections[index] === connection else { return }
        let last = connections.removeLast()
        if index < connections.count {
            connections[index] = last
            last.index = index
        }
        connection.index = -1
        fanOut.left()
        // Give back the room a crowd needed once it has left.
        if connections.capacity > 1024, connections.count < connections.capacity / 4 {
            var smaller: [ViewerConnection] = []
            smaller.reserveCapacity(connections.count * 2)
            smaller.append(contentsOf: connections)
            connections = smaller
        }
    }

    fileprivate func enqueue(_ frame: ViewerFrame) {
        let schedule = inbox.withLock { inbox in
            inbox.frames.append(frame)
            defer { inbox.drainScheduled = true }
            return !inbox.drainScheduled
        }
        if schedule { loop.execute { self.drain() } }
    }

    /// Writes everything in the inbox to every connection on this loop,
    /// one flush per connection.
    private func drain() {
        let frames = inbox.withLock { inbox in
            defer {
                inbox.frames = []
                inbox.drainScheduled = false
            }
            return inbox.frames
        }
        guard !frames.isEmpty else { return }
        // A connection that closes during delivery removes itself; the
        // loop goes on over the array as it was.
        var written = 0
        for connection in connections { written &+= connection.deliver(frames) }
        countDelivered(written)
    }

    /// Counts frames written to this loop's sockets (on `loop`).
    func countDelivered(_ frames: Int) {
        if frames > 0 { delivered.add(frames, ordering: .relaxed) }
    }

    /// Counts a viewer closed as too slow (on `loop`).
    func countTooSlow() {
        droppedTooSlow.add(1, ordering: .relaxed)
    }

    fileprivate func closeAll(_ reason: ViewerConnection.CloseReason) {
        loop.execute {
            for connection in self.connections { connection.close(reason) }
        }
    }
}
