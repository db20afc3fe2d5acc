import Foundation
import NIOCore
import Synchronization
import WenzhengStore

/// The live side of one interview: who is watching, and the order in
/// which its events reach them.
final class InterviewRoom: Sendable {
    let id: Int64
    /// Anonymous viewers: transcript events, viewer counts, pings.
    let viewers = Broadcaster(queueLimit: 512)
    /// Hosts' and guests' consoles: everything viewers get plus queue changes.
    let console = Broadcaster(queueLimit: 1024)
    /// Commit-then-publish runs one at a time per room, so events reach
    /// every viewer in sequence order.
    let sequencer = AsyncSerialLock()
    private let lastCount = Mutex(-1)

    init(id: Int64) {
        self.id = id
    }

    /// Publishes numbered transcript events to viewers and consoles.
    func publish(_ events: [TranscriptEvent]) {
        for event in events {
            let frame = Broadcaster.Frame(seq: event.seq, bytes: LiveHub.encode(InterviewFrames.event(event)))
            viewers.publish(frame)
            console.publish(frame)
        }
    }

    /// Tells everyone to refetch the public question list, and consoles the
    /// queue.
    func publishQuestionsChanged() {
        let questions = LiveHub.encode(InterviewFrames.Signal(type: "questions"))
        viewers.publish(questions)
        console.publish(questions)
        console.publish(LiveHub.encode(InterviewFrames.Signal(type: "queue")))
    }

    /// Sends the viewer count if it changed since the last call.
    func publishViewerCountIfChanged() {
        let count = viewers.subscriberCount
        let changed = lastCount.withLock { last in
            defer { last = count }
            return last != count
        }
        guard changed else { return }
        let frame = LiveHub.encode(InterviewFrames.Viewers(count: count))
        viewers.publish(frame)
        console.publish(frame)
    }

    func ping() {
        let frame = LiveHub.encode(InterviewFrames.Signal(type: "ping"))
        viewers.publish(frame)
        console.publish(frame)
    }

    var isIdle: Bool { viewers.subscriberCount == 0 && console.subscriberCount == 0 }
}

/// The JSON frames of the interview stream (docs/live-protocol.md).
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
    }

    struct Viewers: Encodable {
        var v = liveProtocolVersion
        var type = "viewers"
        var count: Int
    }

    struct Signal: Encodable {
        var v = liveProtocolVersion
        var type: String
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

/// A lock that async tasks wait for in turn, without blocking a thread.
final class AsyncSerialLock: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func run<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.busy {
                    state.waiters.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if ready { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
