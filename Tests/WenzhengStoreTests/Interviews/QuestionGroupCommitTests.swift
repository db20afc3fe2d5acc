import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// Citizens' questions share transactions (`GRDBInterviewsStore.questions`,
/// a `GroupCommit`): each is answered after its commit with its queue item;
/// one refused or invalid fails alone; a transaction SQLite rolls back
/// takes all of its questions with it and stores none.
///
/// SQLite only: group commit is SQLite's throughput device (one writer);
/// on PostgreSQL each question is its own transaction, and the contract
/// tests (InterviewStoreTests, ModerationEffectTests) cover it there.
@Suite("Questions share transactions")
struct QuestionGroupCommitTests {
    static func question(_ text: String, browser: String? = nil) -> NewQuestion {
        NewQuestion(text: text, nickname: "老王", contact: nil, browserKey: browser ?? text, clientAddress: "198.51.100.7")
    }

    static func check(_ text: String) -> ContentFilter.Result {
        Queue.check(text)
    }

    static func groupCommit(_ db: AppDatabase) throws -> GroupCommit<
        GRDBInterviewsStore.QuestionSubmission, GRDBInterviewsStore.StoredQuestion
    > {
        try #require(db.interviews as? GRDBInterviewsStore).questions
    }

    /// Holds the writer so that questions pile up behind `first`; then asks
    /// `rest` one after another while it is held, and releases it once all
    /// of them wait. Outcomes in the order of `[first] + rest`.
    static func askBehindHeldWriter(
        _ db: AppDatabase, first: (Int64, String), rest: [(Int64, String)]
    ) async throws -> [Result<(PublicQuestion, ModerationItem), any Error>] {
        let commit = try groupCommit(db)
        let entered = Mutex(false)
        let release = DispatchSemaphore(value: 0)
        db.writer.asyncWriteWithoutTransaction { _ in
            entered.withLock { $0 = true }
            release.wait()
        }
        try await GroupCommitTests.waitUntil { entered.withLock { $0 } }
        let store = db.interviews
        func ask(_ interview: Int64, _ text: String) -> Task<(PublicQuestion, ModerationItem), any Error> {
            Task { try await store.submitQuestion(interviewID: interview, question(text), check: check(text), at: testStart) }
        }
        let before = commit.statistics.transactions
        let firstTask = ask(first.0, first.1)
        try await GroupCommitTests.waitUntil { commit.statistics.transactions == before + 1 }
        var tasks: [Task<(PublicQuestion, ModerationItem), any Error>] = []
        for (index, (interview, text)) in rest.enumerated() {
            tasks.append(ask(interview, text))
            try await GroupCommitTests.waitUntil { commit.waitingCount == index + 1 }
        }
        release.signal()
        var outcomes: [Result<(PublicQuestion, ModerationItem), any Error>] = []
        for task in [firstTask] + tasks { outcomes.append(await task.result) }
        return outcomes
    }

    static func storedTexts(_ db: AppDatabase) async throws -> [String] {
        try await db.reader.read { db in try String.fetchAll(db, sql: "SELECT text FROM interview_question ORDER BY id") }
    }

    /// Every question has exactly its own queue item, naming it.
    static func queueIsConsistent(_ db: AppDatabase) async throws -> Bool {
        try await db.reader.read { db in
            let questions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM interview_question") ?? -1
            let items = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM moderation_item WHERE kind = 'question'") ?? -2
            let linked =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM interview_question AS q JOIN moderation_item AS m
                        ON m.id = q.moderation_item_id AND m.source_id = CAST(q.id AS TEXT) AND m.source_type = 'interview_question'
                        """) ?? -3
            return questions == items && items == linked
        }
    }

    @Test("questions that wait share one transaction; one to an interview not taking questions, or invalid, fails alone")
    func waitingQuestionsShareOneTransaction() async throws {
        let file = try TemporaryDatabase()
        defer { withExtendedLifetime(file) {} }
        let live = try await StoreInterview.create(file.database)
        let db = live.db
        let ended = try await StoreInterview.create(db, hostName: "host2")
        try await ended.status(.live, at: testStart)
        try await ended.status(.ended, at: testStart)
        let commit = try Self.groupCommit(db)
        let before = commit.statistics

        let outcomes = try await Self.askBehindHeldWriter(
            db, first: (live.id, "第一个问题"),
            rest: [
                (live.id, "第二个问题，电话13812345678"), (ended.id, "结束了还能问吗"), (live.id, "第三个问题"),
                // Passes the question's CHECK, not the queue's: its row must go with it.
                (live.id, "   "), (999, "没有这个访谈"), (live.id, "第四个问题"),
            ])

        let after = commit.statistics
        #expect(after.transactions - before.transactions == 2, "the first alone, then the six that waited together")
        #expect(after.largestBatch == 6)
        let asked = outcomes.compactMap { try? $0.get() }
        #expect(asked.map(\.0.id) == asked.map(\.0.id).sorted())
        #expect(Set(asked.map(\.0.id)).count == 4)
        #expect(throws: StoreError.conflict("this interview is not taking questions (it is ended)")) { try outcomes[2].get() }
        let invalid = #expect(throws: StoreError.self) { try outcomes[4].get() }
        #expect(invalid?.invalidFields.contains("text") == true)
        #expect(throws: StoreError.notFound(kind: "interview", key: "999")) { try outcomes[5].get() }

        #expect(try await Self.storedTexts(db) == ["第一个问题", "第二个问题，电话13812345678", "第三个问题", "第四个问题"])
        #expect(try await Self.queueIsConsistent(db))
    }

    @Test("the queue item a question returns is the item the queue holds")
    func theReturnedItemIsTheStoredOne() async throws {
        let file = try TemporaryDatabase()
        defer { withExtendedLifetime(file) {} }
        let interview = try await StoreInterview.create(file.database)
        let text = "傻瓜才不问：我的电话是13812345678，邮箱 wang@example.com"
        let (question, item) = try await interview.db.interviews.submitQuestion(
            interviewID: interview.id,
            NewQuestion(text: text, nickname: "王小明", contact: "13900001111", browserKey: "b", clientAddress: "x"),
            check: Queue.check(text, held: true), at: testStart)

        let stored = try await interview.db.moderation.moderationItem(id: item.id)
        #expect(item == stored)
        #expect(item.subject == .interviewQuestion(interviewID: interview.id, questionID: question.id))
        #expect(item.flags.count == 1 && item.personalInformation.count == 2 && item.highestAction == "hold")
        #expect(!item.maskedText.contains("13812345678") && !item.maskedText.contains("wang@example.com"))
        #expect(question.text.isEmpty && question.nickname == InterviewRules.publicNickname("王小明"))
    }

    @Test("a transaction SQLite rolls back fails all of its questions and stores none; the next one works")
    func aRolledBackTransactionStoresNone() async throws {
        let file = try TemporaryDatabase()
        defer { withExtendedLifetime(file) {} }
        let interview = try await StoreInterview.create(file.database)
        let db = interview.db
        try await db.writer.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER roll_back_everything BEFORE INSERT ON moderation_item
                    WHEN NEW.text = '整批回滚' BEGIN SELECT RAISE(ROLLBACK, 'rolled back by the test'); END
                    """)
        }
        let rest = ["甲", "乙", "整批回滚", "丙"].map { (interview.id, $0) }
        let outcomes = try await Self.askBehindHeldWriter(db, first: (interview.id, "第一个"), rest: rest)

        #expect((try? outcomes[0].get()) != nil, "the first had its own transaction")
        for outcome in outcomes.dropFirst() {
            #expect(throws: DatabaseError.self) { try outcome.get() }
        }
        #expect(try await Self.storedTexts(db) == ["第一个"])
        #expect(try await Self.queueIsConsistent(db))

        for text in ["甲", "乙", "丙"] {
            _ = try await db.interviews.submitQuestion(
                interviewID: interview.id, Self.question(text), check: Self.check(text), at: testStart)
        }
        #expect(try await Self.storedTexts(db) == ["第一个", "甲", "乙", "丙"])
        #expect(try await Self.queueIsConsistent(db))
    }

    @Test("many concurrent questions: every one answered is stored once, with its own queue item")
    func concurrentQuestions() async throws {
        let file = try TemporaryDatabase()
        defer { withExtendedLifetime(file) {} }
        let interview = try await StoreInterview.create(file.database)
        let store = interview.db.interviews
        let id = interview.id
        let answered = try await withThrowingTaskGroup(of: (String, Int64, Int64).self) { group in
            for index in 0..<300 {
                let text = "问题\(index)"
                group.addTask {
                    let (question, item) = try await store.submitQuestion(
                        interviewID: id, Self.question(text), check: Self.check(text), at: testStart)
                    return (text, question.id, item.id)
                }
            }
            return try await group.reduce(into: [(String, Int64, Int64)]()) { $0.append($1) }
        }
        #expect(Set(answered.map(\.1)).count == 300 && Set(answered.map(\.2)).count == 300)
        let stored = try await interview.db.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT id, text, moderation_item_id FROM interview_question").map {
                ($0["text"] as String, $0["id"] as Int64, $0["moderation_item_id"] as Int64)
            }
        }
        #expect(stored.sorted { $0.1 < $1.1 }.map { "\($0)" } == answered.sorted { $0.1 < $1.1 }.map { "\($0)" })
        #expect(try await Self.queueIsConsistent(interview.db))
        #expect(try Self.groupCommit(interview.db).statistics.submissions == 300)
    }
}
