import Foundation
import WenzhengCore
import WenzhengStore

/// The JSON frames of the interview stream (docs/live-protocol.md); the
/// room's own frames (`viewers`, `ping`) are in `Live/LiveFrame`.
enum InterviewFrames {
    struct Entry: Encodable {
        var v = liveProtocolVersion
        var type = "entry"
        var seq: Int64
        var entry: TranscriptEntry
    }

    /// A correction, or a republication after a withdrawal (`type`). In a
    /// replay, one of an entry withdrawn later has no `body` and says
    /// `"withdrawn":true`.
    struct Correction: Encodable {
        var v = liveProtocolVersion
        var type: String
        var seq: Int64
        var entryId: Int64
        var entrySeq: Int64
        var version: Int
        var body: String?
        var withdrawn: Bool?

        init(type: String, _ correction: TranscriptCorrection) {
            self.type = type
            seq = correction.seq
            entryId = correction.entryId
            entrySeq = correction.entrySeq
            version = correction.version
            body = correction.withdrawn ? nil : correction.body
            withdrawn = correction.withdrawn ? true : nil
        }
    }

    /// An entry withdrawn: viewers hide its text.
    struct Withdrawal: Encodable {
        var v = liveProtocolVersion
        var type = "withdrawal"
        var seq: Int64
        var entryId: Int64
        var entrySeq: Int64
    }

    struct Hello: Encodable {
        struct Summary: Encodable {
            var id: Int64
            var status: String
            var title: String
        }
        var v = liveProtocolVersion
        var type = "hello"
        var interview: Summary
        var lastSeq: Int64

        /// `lastSeq` is the later of the interview's as read and the last
        /// event replayed (one committed after the read).
        init(_ interview: Interview, lastReplayed: Int64?) {
            self.interview = Summary(id: interview.id, status: interview.status.rawValue, title: interview.title)
            self.lastSeq = max(interview.lastSeq, lastReplayed ?? 0)
        }
    }

    static func event(_ event: TranscriptEvent) -> any Encodable {
        switch event {
        case .entry(let entry):
            Entry(seq: entry.seq, entry: entry)
        case .correction(let correction):
            Correction(type: "correction", correction)
        case .republication(let correction):
            Correction(type: "republication", correction)
        case .withdrawal(let withdrawal):
            Withdrawal(seq: withdrawal.seq, entryId: withdrawal.entryId, entrySeq: withdrawal.entrySeq)
        }
    }
}
