import Foundation
import PostgresNIO
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// What PostgreSQL adds to the interviews store: several server nodes on one
/// database. Each change that live viewers must see is announced on
/// `InterviewChangeNotice.channel` when it commits, and two nodes posting
/// to one interview still number the transcript without gap or duplicate.
/// PostgreSQL only (SQLite has one node); skipped, visibly, without a test
/// cluster.
@Suite("Interviews across server nodes (PostgreSQL)", .enabled(if: StoreBackend.underTest.contains(.postgres)))
struct InterviewNodesTests {
    static func postgres(_ database: AppDatabase) throws -> PostgresBackend {
        guard case .postgres(let backend) = database.backend else { throw StoreError.conflict("not a PostgreSQL database") }
        return backend
    }

    @Test("posts, status changes, votes and decisions are announced on commit, with their highest seq; a refused write announces nothing")
    func changesAreAnnounced() async throws {
        let studio = try await Studio(.postgres)
        let postgres = try Self.postgres(studio.database)
        _ = try await studio.status(.open)
        let question = try await studio.ask("支持的问题")
        let pending = try await studio.ask("待审的问题", approve: false)
        let pendingItem = try #require(
            try await studio.database.moderation.moderationQueue(ModerationQueueFilter(), at: testStart).first?.id)
        let payloads = try await withThrowingTaskGroup(of: [String]?.self) { group in
            group.addTask {
                try await postgres.withConnection { connection in
                    try await connection.listen(on: InterviewChangeNotice.channel) { notifications in
                        _ = try await studio.status(.live)  // seq 1
                        try await studio.post("欢迎")  // seq 2
                        _ = try await studio.store.voteForQuestion(
                            interviewID: studio.id, questionID: question, browserKey: "voter", at: testStart)
                        // Refused, rolled back: no notice.
                        _ = await storeError { try await studio.post("嘉宾不能发主持词", by: studio.guest) }
                        _ = try await studio.database.moderation.decideModeration(
                            id: pendingItem, .approve(override: false), by: studio.moderator, allowedReasons: [], at: testStart)
                        _ = try await studio.store.putQuestionOnAir(
                            interviewID: studio.id, questionID: pending, actor: studio.host, at: testStart)  // seq 3
                        var received: [String] = []
                        for try await notification in notifications {
                            received.append(notification.payload)
                            if received.count == 5 { break }
                        }
                        return received
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(120))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let id = studio.id
        #expect(
            payloads == [
                "i=\(id);s=1;q=0", "i=\(id);s=2;q=0", "i=\(id);s=-;q=1", "i=\(id);s=-;q=1", "i=\(id);s=3;q=1",
            ])
        #expect(
            payloads?.compactMap(InterviewChangeNotice.init(payload:)).last
                == InterviewChangeNotice(interviewID: id, seq: 3, questionsChanged: true))
    }

    @Test("two nodes posting to one interview at once number the transcript without gap or duplicate")
    func twoNodesNumberOneTranscript() async throws {
        let studio = try await Studio(.postgres)
        let postgres = try Self.postgres(studio.database)
        let otherNode = try await PostgresBackend.connect(to: postgres.location, maximumConnections: 4, migrate: false)
        let nodes: [any InterviewsStore] = [studio.store, PostgresInterviewsStore(backend: otherNode)]
        _ = try await studio.status(.live)  // seq 1
        let (id, host) = (studio.id, studio.host)
        let posts = 30
        let seqs = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<posts {
                group.addTask {
                    try await nodes[index % 2].postEntry(
                        interviewID: id, kind: .remark, body: "节点\(index % 2)第\(index)条", author: .host, questionID: nil, actor: host,
                        at: testStart
                    ).seq
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        await otherNode.close()
        #expect(seqs.sorted() == Array(Int64(2)...Int64(1 + posts)))
        let replay = try await studio.store.transcriptEvents(interviewID: id, since: 0)
        #expect(replay.map(\.seq) == Array(Int64(1)...Int64(1 + posts)))
        #expect(try await studio.store.interview(id: id).lastSeq == Int64(1 + posts))
    }

    @Test("a new calendar moves deferred questions' deadlines, answered ones too, inside the import's transaction")
    func calendarChangeMovesDeadlines() async throws {
        let studio = try await Studio(.postgres)
        let postgres = try Self.postgres(studio.database)
        _ = try await studio.status(.open)
        let open = try await studio.ask("会后答复的问题")
        let answered = try await studio.ask("会后已答复的问题")
        _ = try await studio.status(.live, at: beijing("2027-02-01 10:00"))
        // Ended on Monday 2027-02-01: due 02-08 on weekdays alone.
        _ = try await studio.status(.ended, at: beijing("2027-02-01 12:00"))
        try await studio.store.postEntry(
            interviewID: studio.id, kind: .answer, body: "答复", author: .guest(id: nil), questionID: answered, actor: studio.host,
            at: beijing("2027-02-09 10:00"))
        let before = try await studio.store.deferredQuestions(for: studio.host, at: beijing("2027-02-09 12:00")).questions
        #expect(before.map(\.replyDueOn) == ["2027-02-08", "2027-02-08"])
        #expect(before.first { $0.id == answered }?.answeredOnTime == false)

        // What the calendar store's import calls in its transaction.
        let notice = HolidayCalendar(
            yearsWithData: [2027],
            days: [
                .init(date: civil("2027-02-03"), name: "春节", isOffDay: true),
                .init(date: civil("2027-02-04"), name: "春节", isOffDay: true),
            ])
        try await postgres.write { tx in
            try await PostgresInterviewsStore(backend: postgres).calendarChanged(tx, calendar: notice, at: beijing("2027-02-10 09:00"))
        }
        let after = try await studio.store.deferredQuestions(for: studio.host, at: beijing("2027-02-10 10:00")).questions
        #expect(Set(after.map(\.id)) == [open, answered])
        #expect(after.map(\.replyDueOn) == ["2027-02-10", "2027-02-10"])
        #expect(after.first { $0.id == answered }?.answeredOnTime == true)
        #expect(after.first { $0.id == open }?.overdue == false)
    }
}
