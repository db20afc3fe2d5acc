import Foundation
import Synchronization
import WenzhengStore

/// An interview's live room (`Live/LiveRoom`) and the recent events its
/// viewers replay from (`TranscriptReplayCache`).
///
/// Events reach the room from two sides: the node that commits a change
/// publishes it at once (`publish(_:catchingUpFrom:)`), and with several
/// nodes on one PostgreSQL database, `InterviewChangeRelay` publishes what
/// other nodes committed (`catchUp(through:from:)`). Both run under the
/// room's `sequencer`, and the room publishes every event once, in `seq`
/// order, without gaps: it remembers the last `seq` it published, skips
/// what is at or below it, and reads what lies between it and a newer
/// event from the database before publishing that event. (A viewer drops
/// any frame at or below the last `seq` it was sent, so an event published
/// after a later one would never reach it live.)
final class InterviewRoom: LiveRoomChannel {
    let interviewID: Int64
    let live: LiveRoom
    let recent: TranscriptReplayCache
    /// Every event up to here was published by this room, or is in the
    /// replay of everyone in the room; nil while no one depends on the
    /// room for events (nothing published, no member: see `memberJoined`).
    private let publishedThrough = Mutex<Int64?>(nil)

    init(interviewID: Int64, live: LiveRoom, recent: TranscriptReplayCache = TranscriptReplayCache()) {
        self.interviewID = interviewID
        self.live = live
        self.recent = recent
    }

    var sequencer: AsyncSerialLock { live.sequencer }
    var viewers: ViewerFanOut { live.viewers }
    var console: Broadcaster { live.console }

    func finishAll() { live.finishAll() }

    /// The last `seq` this room published (or its members' replays reach).
    var lastPublishedSeq: Int64? { publishedThrough.withLock { $0 } }

    /// A viewer or console has subscribed and is about to read its replay,
    /// which holds every event up to at least `lastSeq` (the interview's,
    /// read before it subscribed). Until the room publishes, that is where
    /// catching up starts for it (`catchUp`); once the room publishes, its
    /// members' replays, read after they subscribed, hold all it published
    /// before.
    func memberJoined(lastSeq: Int64) {
        publishedThrough.withLock { through in
            if through == nil { through = lastSeq }
        }
    }

    /// Publishes events this node committed, run under the room's
    /// `sequencer` after the commit. When events committed elsewhere lie
    /// between the last one published and these (another node's, not yet
    /// relayed; the CLI's), they are read from the database and published
    /// first. On one node that never happens, and this costs no read.
    func publish(_ events: [TranscriptEvent], catchingUpFrom interviews: any InterviewsStore) async {
        guard let first = events.first?.seq else { return }
        if let through = lastPublishedSeq, first > through + 1 {
            do {
                publish(try await interviews.transcriptEvents(interviewID: interviewID, since: through))
                return
            } catch {
                // The events in the gap reach these viewers when they
                // reconnect; the ones committed here go out now.
            }
        }
        publish(events)
    }

    /// Publishes what other nodes committed up to `seq` (nil: whatever
    /// there is), read from the database, under the room's `sequencer`
    /// (`InterviewChangeRelay`). Nothing is read when the room already
    /// published that far, or when no one is in the room: it then forgets
    /// where it was, and the next member's replay is where it starts again.
    ///
    /// - Throws: the store's error; nothing was published then.
    func catchUp(through seq: Int64?, from interviews: any InterviewsStore) async throws {
        let since = publishedThrough.withLock { through -> Int64? in
            // Checked under the lock `memberJoined` takes: a member that
            // joins after this finds nil and sets its own start.
            if live.isIdle { through = nil }
            return through
        }
        guard let since, seq.map({ $0 > since }) ?? true else { return }
        publish(try await interviews.transcriptEvents(interviewID: interviewID, since: since))
    }

    /// Publishes numbered transcript events to viewers and consoles, in
    /// `seq` order, under the room's `sequencer` after they are committed;
    /// events at or below the last one published are left out. They join
    /// the replay cache before any viewer gets them, so a viewer joining
    /// meanwhile finds them in one or the other.
    func publish(_ events: [TranscriptEvent]) {
        let fresh = publishedThrough.withLock { through -> [TranscriptEvent] in
            var fresh: [TranscriptEvent] = []
            fresh.reserveCapacity(events.count)
            for event in events.sorted(by: { $0.seq < $1.seq }) where event.seq > (fresh.last?.seq ?? through ?? .min) {
                fresh.append(event)
            }
            if let last = fresh.last { through = last.seq }
            return fresh
        }
        guard !fresh.isEmpty else { return }
        let payloads = fresh.map(Self.payload(for:))
        let held = zip(fresh, payloads).map { event, payload in
            TranscriptReplayCache.Held(event: event, frame: ViewerFrame(seq: payload.seq, wire: WebSocketWire.text(payload.bytes)))
        }
        recent.append(held)
        for (payload, item) in zip(payloads, held) { live.publish(payload, wire: item.frame) }
    }

    /// Tells everyone to refetch the public question list, and consoles the
    /// queue.
    func publishQuestionsChanged() {
        live.publish(Broadcaster.Frame(bytes: LiveFrame.encode(LiveFrame.Signal(type: "questions"))))
        console.publish(LiveFrame.encode(LiveFrame.Signal(type: "queue")))
    }

    static func payload(for event: TranscriptEvent) -> Broadcaster.Frame {
        Broadcaster.Frame(seq: event.seq, bytes: LiveFrame.encode(InterviewFrames.event(event)))
    }

    static func frame(for event: TranscriptEvent) -> ViewerFrame {
        let payload = payload(for: event)
        return ViewerFrame(seq: payload.seq, wire: WebSocketWire.text(payload.bytes))
    }
}

/// An interview's room, found by the interview's id.
struct InterviewRoomKey: LiveChannelKey {
    let interviewID: Int64

    func makeChannel(in hub: LiveHub) -> InterviewRoom {
        InterviewRoom(interviewID: interviewID, live: LiveRoom(viewerByteBudget: hub.viewerByteBudget, consoleQueueLimit: 1024))
    }
}

extension LiveHub {
    /// The live room of an interview, made on first use.
    func room(_ interviewID: Int64) -> InterviewRoom {
        channel(InterviewRoomKey(interviewID: interviewID))
    }

    /// Every interview room made since start, with its viewers now and its
    /// fan-out's counts (the metrics' live gauges and counters).
    func interviewRoomStatistics() -> [LiveRoomStatistics] {
        channels(of: InterviewRoomKey.self).map { key, room in
            let counts = room.viewers.deliveryCounts
            return LiveRoomStatistics(
                interviewID: key.interviewID, viewers: room.viewers.viewerCount, framesDelivered: counts.framesDelivered,
                viewersDroppedTooSlow: counts.droppedTooSlow)
        }
    }

    /// Viewers watching an interview now.
    public func viewerCount(interviewID: Int64) -> Int {
        existingChannel(InterviewRoomKey(interviewID: interviewID))?.viewers.viewerCount ?? 0
    }
}

/// One interview room's live figures at a moment.
public struct LiveRoomStatistics: Sendable, Equatable {
    public var interviewID: Int64
    public var viewers: Int
    /// Counters since the room was made (rooms stay for the server's life).
    public var framesDelivered: Int
    public var viewersDroppedTooSlow: Int
}
