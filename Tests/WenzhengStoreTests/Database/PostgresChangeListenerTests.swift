import Foundation
import PostgresNIO
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// What a listener yielded so far, filled by a task that reads it.
private actor FeedLog {
    private(set) var events: [InterviewChangeFeedEvent] = []

    func add(_ event: InterviewChangeFeedEvent) { events.append(event) }

    /// Waits (at most `limit`: generous, as the full suite starves tasks)
    /// until `count` events arrived; returns them all.
    func waitFor(_ count: Int, limit: Duration = .seconds(60)) async throws -> [InterviewChangeFeedEvent] {
        let deadline = ContinuousClock.now + limit
        while events.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return events
    }
}

/// Reads `feed` into a log until the returned task is cancelled (which
/// stops the listener and closes its connection).
private func follow(_ feed: AsyncStream<InterviewChangeFeedEvent>) -> (FeedLog, Task<Void, Never>) {
    let log = FeedLog()
    let task = Task {
        for await event in feed { await log.add(event) }
    }
    return (log, task)
}

@Suite struct InterviewChangeFeedTests {
    @Test func anSQLiteDatabaseHasNoFeed() throws {
        #expect(try AppDatabase.inMemory().interviewChanges() == nil)
    }
}

/// The change feed on the test cluster: notices sent by another session
/// (as the stores send them, in their transactions), what else may come on
/// the channel, and a listening session the server ends.
@Suite(.enabled(if: PostgresTestCluster.url != nil)) struct PostgresChangeListenerTests {
    static func send(_ payloads: [String], on backend: PostgresBackend) async throws {
        try await backend.write { transaction in
            for payload in payloads { try await transaction.notify(InterviewChangeNotice.channel, payload: payload) }
        }
    }

    @Test func noticesFromAnotherSessionArriveParsedAndJunkIsIgnored() async throws {
        let backend = try await PostgresTestCluster.shared.makeDatabase()
        let database = AppDatabase.postgres(backend)
        let (log, reading) = follow(try #require(database.interviewChanges()))
        defer { reading.cancel() }
        // Listening: the first event says so.
        #expect(try await log.waitFor(1) == [.resync])

        let posted = InterviewChangeNotice(interviewID: 12, seq: 345, questionsChanged: false)
        let voted = InterviewChangeNotice(interviewID: 12, seq: nil, questionsChanged: true)
        try await Self.send(["junk", posted.payload, "i=12;s=0;q=1", "i=12;s=1;q=1;x=2", ""], on: backend)
        // Not this channel: never heard.
        try await backend.write { try await $0.notify("some_other_channel", payload: posted.payload) }
        try await Self.send([voted.payload], on: backend)
        #expect(try await log.waitFor(3) == [.resync, .notice(posted), .notice(voted)])
        // A rolled-back change announces nothing.
        await #expect(throws: (any Error).self) {
            try await backend.write { transaction in
                try await transaction.notify(InterviewChangeNotice.channel, payload: posted.payload)
                try await transaction.execute("SELECT 1/0")
            }
        }
        let last = InterviewChangeNotice(interviewID: 13, seq: 1, questionsChanged: true)
        try await Self.send([last.payload], on: backend)
        #expect(try await log.waitFor(4) == [.resync, .notice(posted), .notice(voted), .notice(last)])
        reading.cancel()
        await backend.close()
    }

    @Test func aTerminatedSessionIsOpenedAgainAndSaysResync() async throws {
        let backend = try await PostgresTestCluster.shared.makeDatabase()
        let listener = PostgresChangeListener(
            location: backend.location, backoff: .init(first: .milliseconds(50), maximum: .milliseconds(200)))
        let (log, reading) = follow(listener.events())
        defer { reading.cancel() }
        #expect(try await log.waitFor(1) == [.resync])
        let before = InterviewChangeNotice(interviewID: 7, seq: 1, questionsChanged: false)
        try await Self.send([before.payload], on: backend)
        #expect(try await log.waitFor(2) == [.resync, .notice(before)])

        let terminated = try await backend.withConnection { connection in
            var count = 0
            let rows = try await connection.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = \(PostgresChangeListener.applicationName) AND datname = current_database()
                """, logger: backend.logger)
            for try await _ in rows { count += 1 }
            return count
        }
        #expect(terminated == 1)
        #expect(try await log.waitFor(3) == [.resync, .notice(before), .resync])

        let after = InterviewChangeNotice(interviewID: 7, seq: 2, questionsChanged: true)
        try await Self.send([after.payload], on: backend)
        #expect(try await log.waitFor(4) == [.resync, .notice(before), .resync, .notice(after)])
        reading.cancel()
        await backend.close()
    }

    @Test func aStoppedReaderClosesTheListeningSession() async throws {
        let backend = try await PostgresTestCluster.shared.makeDatabase()
        let listener = PostgresChangeListener(location: backend.location)
        let (log, reading) = follow(listener.events())
        #expect(try await log.waitFor(1) == [.resync])
        #expect(try await Self.listeningSessions(backend) == 1)
        reading.cancel()
        let deadline = ContinuousClock.now + .seconds(30)
        while try await Self.listeningSessions(backend) > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await Self.listeningSessions(backend) == 0)
        await backend.close()
    }

    static func listeningSessions(_ backend: PostgresBackend) async throws -> Int {
        try await backend.read { transaction in
            try await transaction.scalar(
                """
                SELECT count(*)::bigint FROM pg_stat_activity
                WHERE application_name = \(PostgresChangeListener.applicationName) AND datname = current_database()
                """, as: Int.self) ?? 0
        }
    }
}
