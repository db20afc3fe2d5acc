import Logging
import ServiceLifecycle
import Synchronization
import WenzhengStore

/// Keeps this node's interview rooms in step with what the other nodes
/// sharing its PostgreSQL database commit (issue 16). It follows the
/// database's change feed (`AppDatabase.interviewChanges()`) and, for an
/// interview whose room exists on this node, publishes what the room has
/// not yet sent: the transcript events after the room's last `seq`, read
/// from the database (`InterviewRoom.catchUp`), and a `questions` signal
/// when the public question list changed. After `resync` (the feed may
/// have missed notices) every room catches up and refetches its questions.
///
/// Changes this node made itself come back as notices too; the room has
/// published their events already and reads nothing for them. Notices are
/// worked off per room, one room's at a time under its `sequencer` (so
/// with this node's own posts, in `seq` order), different rooms in
/// parallel; notices that arrive while a room is busy are merged into one
/// catch-up. A failed database read is tried again after `retryDelay`.
struct InterviewChangeRelay: Service {
    let changes: AsyncStream<InterviewChangeFeedEvent>
    let hub: LiveHub
    let interviews: any InterviewsStore
    let logger: Logger
    var retryDelay: Duration = .seconds(1)

    func run() async throws {
        let backlog = RelayBacklog()
        await withDiscardingTaskGroup { group in
            for await event in changes.cancelOnGracefulShutdown() {
                switch event {
                case .notice(let notice):
                    guard let room = hub.existingChannel(InterviewRoomKey(interviewID: notice.interviewID)) else { continue }
                    let work = RoomWork(through: notice.seq, questions: notice.questionsChanged)
                    guard !work.isEmpty, backlog.add(work, for: room.interviewID) else { continue }
                    group.addTask { await drain(room, backlog) }
                case .resync:
                    for (_, room) in hub.channels(of: InterviewRoomKey.self) where backlog.add(.everything, for: room.interviewID) {
                        group.addTask { await drain(room, backlog) }
                    }
                }
            }
            // Stopping: a catch-up under way is abandoned (the viewers go
            // too). A feed that just ended lets them finish.
            if Task.isShuttingDownGracefully { group.cancelAll() }
        }
    }

    /// Works off a room's backlog until it is empty.
    private func drain(_ room: InterviewRoom, _ backlog: RelayBacklog) async {
        while let work = backlog.take(for: room.interviewID) {
            do {
                try await room.sequencer.run {
                    if work.everything {
                        try await room.catchUp(through: nil, from: interviews)
                    } else if let seq = work.through {
                        try await room.catchUp(through: seq, from: interviews)
                    }
                    if work.questions { room.publishQuestionsChanged() }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "live interview \(room.interviewID): cannot read the changes other nodes made; trying again",
                    metadata: ["error": "\(error)"])
                backlog.putBack(work, for: room.interviewID)
                do {
                    try await Task.sleep(for: retryDelay)
                } catch {
                    return
                }
            }
        }
    }
}

/// What a room has to catch up on: events up to `through`, or everything
/// there is, and whether its questions changed.
struct RoomWork: Sendable, Equatable {
    var through: Int64?
    var everything = false
    var questions = false

    static let everything = RoomWork(through: nil, everything: true, questions: true)

    var isEmpty: Bool { through == nil && !everything && !questions }

    mutating func merge(_ other: RoomWork) {
        if let seq = other.through { through = max(through ?? seq, seq) }
        everything = everything || other.everything
        questions = questions || other.questions
    }
}

/// The relay's work per room, and whether a task is working it off.
final class RelayBacklog: Sendable {
    private struct Entry {
        var work = RoomWork()
        var draining = false
    }
    private let entries = Mutex<[Int64: Entry]>([:])

    /// Adds work; true when no task is draining the room and the caller
    /// must start one.
    func add(_ work: RoomWork, for interviewID: Int64) -> Bool {
        entries.withLock { entries in
            var entry = entries[interviewID] ?? Entry()
            entry.work.merge(work)
            let start = !entry.draining
            entry.draining = true
            entries[interviewID] = entry
            return start
        }
    }

    /// Adds work back after a failure, for the task draining the room.
    func putBack(_ work: RoomWork, for interviewID: Int64) {
        entries.withLock { entries in entries[interviewID, default: Entry(draining: true)].work.merge(work) }
    }

    /// The room's work so far, emptied; nil (and the room no longer
    /// draining) when there is none.
    func take(for interviewID: Int64) -> RoomWork? {
        entries.withLock { entries in
            guard let entry = entries[interviewID], !entry.work.isEmpty else {
                entries[interviewID] = nil
                return nil
            }
            entries[interviewID] = Entry(work: RoomWork(), draining: true)
            return entry.work
        }
    }
}
