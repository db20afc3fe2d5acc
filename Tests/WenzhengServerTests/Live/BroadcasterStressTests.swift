import Foundation
import NIOCore
import Synchronization
import Testing
@testable import WenzhengServer

#if canImport(Glibc)
import Glibc
#endif

/// Crowds joining and leaving a broadcaster while it publishes, the way
/// the live-room deadlock (a lock-order inversion between the
/// broadcaster's lock and the runtime's task status lock) was found.
///
/// The bounded form runs in CI; `WENZHENG_STRESS_SECONDS` makes it longer
/// for local use. A deadlock stops the cooperative thread pool, so no
/// Swift task could report it: a plain thread watches the run and ends the
/// whole test process with a message if the run does not finish in time.
@Suite("Broadcaster under churn")
struct BroadcasterStressTests {
    static var seconds: Double {
        ProcessInfo.processInfo.environment["WENZHENG_STRESS_SECONDS"].flatMap(Double.init) ?? 4
    }

    @Test("viewers leaving while frames are published never deadlock the room")
    func leavingWhilePublishing() async throws {
        let broadcaster = Broadcaster(queueLimit: 64)
        let seconds = Self.seconds
        let stats = ChurnStats()
        // A deadlock stops both counters for good; a machine busy with the
        // rest of the suite (or other builds) only slows them down, so the
        // watchdog fires on a long standstill, not on a slow run. 120 s:
        // the suite shares two cooperative threads, and command-line tests
        // that wait for a child process can hold both for tens of seconds
        // on a loaded machine (30 s fired once that way).
        let watchdog = Watchdog(
            stall: 120, message: "Broadcaster stress test did not finish: publishers and leaving subscribers deadlocked",
            progress: { stats.joined + stats.published })
        defer { watchdog.disarm() }

        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Two publishers, as the ticker and a host's post run at once.
            for publisher in 0..<2 {
                group.addTask {
                    var seq: Int64 = 0
                    let bytes = ByteBuffer(string: #"{"v":1,"type":"ping"}"#)
                    while ContinuousClock.now < deadline {
                        seq += 1
                        broadcaster.publish(.init(seq: publisher == 0 ? seq : 0, bytes: bytes))
                        stats.publish()
                        if seq % 64 == 0 { await Task.yield() }
                    }
                }
            }
            // Waves of viewers that join, read a little and leave at once,
            // each leaving by cancellation as a closed socket's pump does.
            group.addTask {
                // At least one wave, however late the task starts on a busy machine.
                repeat {
                    try await withThrowingTaskGroup(of: Void.self) { wave in
                        for _ in 0..<200 {
                            wave.addTask {
                                try await Self.viewer(broadcaster, stats: stats)
                            }
                        }
                        try await wave.waitForAll()
                    }
                } while ContinuousClock.now < deadline
            }
            try await group.waitForAll()
        }
        // The room still delivers to a fresh viewer, and nobody is left.
        #expect(broadcaster.subscriberCount == 0)
        let fresh = broadcaster.subscribe()
        #expect(broadcaster.publish(ByteBuffer(string: "after")) == 1)
        var iterator = fresh.frames.makeAsyncIterator()
        let frame = try await iterator.next()
        #expect(frame.map { String(buffer: $0.bytes) } == "after")
        broadcaster.unsubscribe(fresh)
        #expect(stats.joined > 0)
    }

    /// One viewer: reads a few frames in a child task while a sibling
    /// stands for its socket closing; the group is then cancelled, which
    /// runs the stream's termination handler under the runtime's lock.
    static func viewer(_ broadcaster: Broadcaster, stats: ChurnStats) async throws {
        let subscription = broadcaster.subscribe()
        stats.join()
        defer { broadcaster.unsubscribe(subscription) }
        let frames = Int.random(in: 0..<4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // A reader that falls behind is cut off, as a slow socket is.
                do {
                    for try await _ in subscription.frames {}
                } catch is Broadcaster.Overflow {}
            }
            group.addTask {
                for _ in 0..<frames { await Task.yield() }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// Counts viewers that joined and frames published, from many tasks.
final class ChurnStats: Sendable {
    private let count = Atomic<Int>(0)
    private let frames = Atomic<Int>(0)
    func join() { count.add(1, ordering: .relaxed) }
    func publish() { frames.add(1, ordering: .relaxed) }
    var joined: Int { count.load(ordering: .relaxed) }
    var published: Int { frames.load(ordering: .relaxed) }
}

/// Ends the test process from an ordinary thread if a run hangs: a
/// deadlocked cooperative pool cannot fail a test by itself.
final class Watchdog: Sendable {
    private let done = Atomic<Bool>(false)

    /// - Parameters:
    ///   - stall: seconds `progress` may stay the same before the process ends.
    ///   - progress: a count that grows while the run is alive.
    init(stall: Double, message: String, progress: @escaping @Sendable () -> Int) {
        let thread = Thread { [self] in
            var last = progress()
            var lastChange = Date()
            while Date().timeIntervalSince(lastChange) < stall {
                if isDisarmed { return }
                Thread.sleep(forTimeInterval: 0.1)
                let now = progress()
                if now != last {
                    last = now
                    lastChange = Date()
                }
            }
            if isDisarmed { return }
            FileHandle.standardError.write(Data("\nFATAL: \(message) (no progress for \(Int(stall)) s)\n".utf8))
            _exit(70)
        }
        thread.start()
    }

    private var isDisarmed: Bool { done.load(ordering: .acquiring) }

    func disarm() { done.store(true, ordering: .releasing) }
}
