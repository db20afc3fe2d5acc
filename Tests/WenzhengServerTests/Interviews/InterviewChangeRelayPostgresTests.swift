import Foundation
import Logging
import NIOCore
import PostgresNIO
import Testing
import WenzhengCore
@testable import WenzhengStore

@testable import WenzhengServer

/// The console frames a room sent, collected as they come.
private actor FrameLog {
    private(set) var frames: [Broadcaster.Frame] = []

    func add(_ frame: Broadcaster.Frame) { frames.append(frame) }

    /// Waits (at most `limit`: generous, as the full suite starves tasks)
    /// until `done` holds; returns the frames.
    func wait(limit: Duration = .seconds(60), until done: ([Broadcaster.Frame]) -> Bool) async throws -> [Broadcaster.Frame] {
        let deadline = ContinuousClock.now + limit
        while !done(frames), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return frames
    }
}

/// The relay fed by a real listener on the PostgreSQL test cluster: the
/// notices come through `LISTEN`, the events from the test's SQLite
/// database (standing in for the shared one), so the whole way from
/// `NOTIFY` to a room's subscribers is exercised, the listener's lost
/// session included.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["WENZHENG_TEST_POSTGRES_URL"].map { !$0.isEmpty } ?? false))
struct InterviewChangeRelayPostgresTests {
    @Test func noticesThroughPostgresReachTheRoomAndALostSessionCatchesUp() async throws {
        let cluster = try PostgresLocation(url: ProcessInfo.processInfo.environment["WENZHENG_TEST_POSTGRES_URL"]!)
        let maintenance = try await PostgresBackend.connect(to: cluster.database("postgres"), maximumConnections: 2, migrate: false)
        let name = "wz_relay_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
        try await maintenance.createDatabase(name)
        let notifier = try await PostgresBackend.connect(to: cluster.database(name), maximumConnections: 2, migrate: false)

        let server = try await TestServer()
        let watched = try await InterviewChangeRelayTests.watched(server)
        let log = FrameLog()
        let collecting = Task { for try await frame in watched.console.frames { await log.add(frame) } }
        let listener = PostgresChangeListener(
            location: notifier.location, backoff: .init(first: .milliseconds(50), maximum: .milliseconds(200)))
        let relay = InterviewChangeRelay(
            changes: listener.events(), hub: server.hub, interviews: server.database.interviews, logger: Logger(label: "test.relay"))
        let relaying = Task { try await relay.run() }
        defer {
            relaying.cancel()
            collecting.cancel()
        }
        func questionSignals(_ frames: [Broadcaster.Frame]) -> Int {
            frames.filter { String(buffer: $0.bytes).contains(#""type":"questions""#) }.count
        }
        func notify(_ event: TranscriptEvent) async throws {
            let notice = InterviewChangeNotice(interviewID: watched.id, seq: event.seq, questionsChanged: false)
            try await notifier.write { try await $0.notify(InterviewChangeNotice.channel, payload: notice.payload) }
        }

        // Listening: the first resync has every room refetch its questions.
        #expect(questionSignals(try await log.wait { questionSignals($0) >= 1 }) == 1)
        let first = try await watched.otherNodePosts("经由 PostgreSQL")
        try await notify(first)
        #expect(InterviewChangeRelayTests.numbered(try await log.wait { $0.contains { $0.seq == first.seq } }) == [first.seq])

        // The listening session is ended; what is committed and announced
        // meanwhile is caught up after the listener is back.
        let terminated = try await notifier.write { transaction in
            try await transaction.rows(
                """
                SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
                WHERE application_name = \(PostgresChangeListener.applicationName) AND datname = current_database()
                """
            ).count
        }
        #expect(terminated == 1)
        let missed = try await watched.otherNodePosts("断线期间")
        try? await notify(missed)
        let frames = try await log.wait { $0.contains { $0.seq == missed.seq } && questionSignals($0) >= 2 }
        #expect(InterviewChangeRelayTests.numbered(frames) == [first.seq, missed.seq])
        #expect(questionSignals(frames) >= 2)

        relaying.cancel()
        await notifier.close()
        try? await maintenance.dropDatabase(name)
        await maintenance.close()
    }
}
