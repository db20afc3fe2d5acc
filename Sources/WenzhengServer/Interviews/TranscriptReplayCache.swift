import NIOCore
import Synchronization
import WenzhengStore

/// The most recent numbered events of one interview, with their viewer
/// frames, so a reconnect storm (thousands of viewers coming back with
/// `since=` after a restart or a network blip) replays from memory instead
/// of reading the database once per viewer (docs/live-protocol.md).
///
/// What it holds cannot change under it: a committed event keeps its
/// number and content for ever (a correction or a withdrawal is a new
/// event). It is trusted only as far as the database confirms: a replay
/// is served from here only when the events held run without a gap from
/// `since + 1` up to at least the interview's last `seq` as read from the
/// database at the handshake. Events written by another process (the CLI,
/// another node) that this server never published leave a gap, and those
/// viewers read the database as before.
///
/// Replays apply the same rule as the database's: text withdrawn later in
/// the replay is not sent (`TranscriptEvent.redactWithdrawnText`).
final class TranscriptReplayCache: Sendable {
    struct Held: Sendable {
        var event: TranscriptEvent
        var frame: ViewerFrame
    }

    /// Events held at most; older ones are read from the database.
    let capacity: Int
    /// Contiguous: each `seq` is one more than the one before.
    private let recent = Mutex(CircularBuffer<Held>())
    /// One database read fills the cache for every viewer that needs it.
    private let filling = Mutex<Task<Void, Never>?>(nil)

    init(capacity: Int = 2048) {
        self.capacity = capacity
    }

    /// Adds events as they are published, in `seq` order. An event that
    /// does not follow the last one held starts the cache again from it.
    func append(_ held: [Held]) {
        recent.withLock { recent in
            for item in held {
                if let last = recent.last, item.event.seq != last.event.seq + 1 {
                    if item.event.seq <= last.event.seq { continue }
                    recent.removeAll()
                }
                recent.append(item)
                if recent.count > capacity { recent.removeFirst() }
            }
        }
    }

    /// Merges events read from the database (contiguous, in order) with
    /// what was published meanwhile; nothing changes if they do not join up.
    func merge(_ loaded: [Held]) {
        guard let first = loaded.first?.event.seq, let last = loaded.last?.event.seq else { return }
        recent.withLock { recent in
            if let held = recent.first?.event.seq {
                // What is held reaches as far back already, or there is a
                // gap between the read and what was published since.
                guard held > first, held <= last + 1 else { return }
            }
            var merged = CircularBuffer<Held>(initialCapacity: loaded.count + recent.count)
            merged.append(contentsOf: loaded)
            for item in recent where item.event.seq > last { merged.append(item) }
            while merged.count > capacity { merged.removeFirst() }
            recent = merged
        }
    }

    /// The events after `since`, or nil when this cache cannot vouch for
    /// all of them (see the type's comment). `lastSeq` is the interview's
    /// last `seq` as the database had it.
    func replay(after since: Int64, lastSeq: Int64) -> [ViewerFrame]? {
        let held: [Held]? = recent.withLock { recent in
            guard let first = recent.first, let last = recent.last else { return lastSeq <= since ? [] : nil }
            guard first.event.seq <= since + 1, last.event.seq >= lastSeq else { return nil }
            let start = Int(max(0, since + 1 - first.event.seq))
            guard start < recent.count else { return [] }
            return Array(recent[recent.index(recent.startIndex, offsetBy: start)...])
        }
        guard let held else { return nil }
        guard held.contains(where: { if case .withdrawal = $0.event { true } else { false } }) else {
            return held.map(\.frame)
        }
        // Rare: a withdrawal in the replay. Events it hides are encoded
        // again without their text.
        let redacted = TranscriptEvent.redactWithdrawnText(held.map(\.event))
        return zip(held, redacted).map { held, event in
            event == held.event ? held.frame : InterviewRoom.frame(for: event)
        }
    }

    /// Fills the cache from the database once, however many viewers ask at
    /// the same time; they wait for the same read.
    func fill(_ load: @escaping @Sendable () async throws -> [Held]) async {
        let task = filling.withLock { filling in
            if let running = filling { return running }
            let task = Task { [weak self] in
                if let loaded = try? await load() { self?.merge(loaded) }
                self?.filling.withLock { $0 = nil }
            }
            filling = task
            return task
        }
        await task.value
    }
}
