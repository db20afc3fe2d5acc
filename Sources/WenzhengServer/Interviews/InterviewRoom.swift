import Foundation
import WenzhengStore

/// An interview's live room (`Live/LiveRoom`) and the recent events its
/// viewers replay from (`TranscriptReplayCache`).
final class InterviewRoom: LiveRoomChannel {
    let live: LiveRoom
    let recent: TranscriptReplayCache

    init(live: LiveRoom, recent: TranscriptReplayCache = TranscriptReplayCache()) {
        self.live = live
        self.recent = recent
    }

    var sequencer: AsyncSerialLock { live.sequencer }
    var viewers: ViewerFanOut { live.viewers }
    var console: Broadcaster { live.console }

    func finishAll() { live.finishAll() }

    /// Publishes numbered transcript events to viewers and consoles. Run
    /// under the room's `sequencer`, after the events are committed. They
    /// join the replay cache before any viewer gets them, so a viewer
    /// joining meanwhile finds them in one or the other.
    func publish(_ events: [TranscriptEvent]) {
        let payloads = events.map(Self.payload(for:))
        let held = zip(events, payloads).map { event, payload in
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
        InterviewRoom(live: LiveRoom(viewerByteBudget: hub.viewerByteBudget, consoleQueueLimit: 1024))
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
