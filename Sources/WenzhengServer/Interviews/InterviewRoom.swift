import Foundation
import WenzhengStore

/// An interview's live room (`Live/LiveRoom`), found by the interview's id.
struct InterviewRoomKey: LiveChannelKey {
    let interviewID: Int64

    func makeChannel() -> LiveRoom {
        LiveRoom(viewerQueueLimit: 512, consoleQueueLimit: 1024)
    }
}

extension LiveHub {
    /// The live room of an interview, made on first use.
    func room(_ interviewID: Int64) -> LiveRoom {
        channel(InterviewRoomKey(interviewID: interviewID))
    }

    /// Viewers watching an interview now.
    public func viewerCount(interviewID: Int64) -> Int {
        existingChannel(InterviewRoomKey(interviewID: interviewID))?.viewers.subscriberCount ?? 0
    }
}

/// What an interview sends through its room (docs/live-protocol.md).
extension LiveRoom {
    /// Publishes numbered transcript events to viewers and consoles. Run
    /// under the room's `sequencer`, after the events are committed.
    func publish(_ events: [TranscriptEvent]) {
        for event in events {
            publish(Broadcaster.Frame(seq: event.seq, bytes: LiveFrame.encode(InterviewFrames.event(event))))
        }
    }

    /// Tells everyone to refetch the public question list, and consoles the
    /// queue.
    func publishQuestionsChanged() {
        publish(Broadcaster.Frame(bytes: LiveFrame.encode(LiveFrame.Signal(type: "questions"))))
        console.publish(LiveFrame.encode(LiveFrame.Signal(type: "queue")))
    }
}
