import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing
import WenzhengTestFixtures

@testable import WenzhengCore
@testable import WenzhengStore

/// Group commit of survey responses (`GroupCommit`, SQLite only: on
/// PostgreSQL each response is its own transaction): submissions
/// that wait share one transaction, each answered after its commit; one
/// refused or invalid is rolled back alone; a transaction SQLite rolls back
/// takes all of its submissions with it and stores none.
@Suite("Survey responses share transactions")
struct SurveyGroupCommitTests {
    typealias Office = SurveyStoreTests.Office

    static let day = SurveyFixtures.opensAt.addingTimeInterval(86_400)

    static func submission(_ survey: SurveyView, browser: String, seed: UInt64) -> SurveySubmission {
        var random = FixtureRandom(seed: seed)
        return SurveySubmission(
            surveyID: survey.id, identity: .browserToken(browser),
            response: SurveyFixtures.randomResponse(to: survey.definition, using: &random))
    }

    static func batcher(_ office: Office) throws -> GroupCommit<GRDBSurveysStore.DatedSurveySubmission, SurveyReceipt> {
        try #require(office.db.surveys as? GRDBSurveysStore).responses
    }

    /// Holds the writer, so that submissions pile up behind `first`; then
    /// submits `rest` while it is held, and releases it once all of them
    /// wait. Returns the outcomes in the order of `[first] + rest`.
    static func submitBehindHeldWriter(
        _ office: Office, first: SurveySubmission, rest: [SurveySubmission]
    ) async throws -> [Result<SurveyReceipt, any Error>] {
        let batcher = try batcher(office)
        let entered = Mutex(false)
        let release = DispatchSemaphore(value: 0)
        office.db.writer.asyncWriteWithoutTransaction { _ in
            entered.withLock { $0 = true }
            release.wait()
        }
        try await waitUntil { entered.withLock { $0 } }
        let before = batcher.statistics.transactions
        let store = office.db.surveys
        let firstTask = Task { try await store.submitSurveyResponse(first, at: day) }
        try await waitUntil { batcher.statistics.transactions == before + 1 }
        let restTasks = rest.map { submission in Task { try await store.submitSurveyResponse(submission, at: day) } }
        try await waitUntil { batcher.waitingCount == rest.count }
        release.signal()
        var outcomes: [Result<SurveyReceipt, any Error>] = []
        for task in [firstTask] + restTasks { outcomes.append(await task.result) }
        return outcomes
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        // Bounded: a broken batcher fails the test instead of hanging it.
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    static func responseRows(_ office: Office, _ survey: SurveyView) async throws -> Int {
        try await office.db.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM survey_response WHERE survey_id = ?", arguments: [survey.id]) ?? 0
        }
    }

    @Test("submissions that wait share one transaction; a refused or invalid one fails alone")
    func waitingSubmissionsShareOneTransaction() async throws {
        let office = try await Office()
        let survey = try await office.openSurvey()
        let batcher = try Self.batcher(office)
        var invalid = Self.submission(survey, browser: "browser-invalid", seed: 99)
        invalid.response.answers["used"] = .choice("maybe")
        let rest =
            (1...6).map { Self.submission(survey, browser: "browser-\($0)", seed: UInt64($0)) }
            + [
                Self.submission(survey, browser: "browser-0", seed: 50),  // answered by `first`, already committed
                Self.submission(survey, browser: "browser-3", seed: 51),  // answered earlier in the same transaction
                invalid,
            ]
        let before = batcher.statistics
        let outcomes = try await Self.submitBehindHeldWriter(
            office, first: Self.submission(survey, browser: "browser-0", seed: 100), rest: rest)

        let after = batcher.statistics
        #expect(after.transactions - before.transactions == 2, "the first alone, then the nine that waited together")
        #expect(after.largestBatch == 9)
        let receipts = outcomes.compactMap { try? $0.get() }
        #expect(receipts.count == 7)
        #expect(Set(receipts.map(\.responseID)).count == 7)
        for index in [7, 8] {
            #expect(throws: SurveySubmissionRefusal.alreadyAnswered) { try outcomes[index].get() }
        }
        let invalidError = #expect(throws: StoreError.self) { try outcomes[9].get() }
        #expect(invalidError?.invalidFields.contains("q_used") == true)

        // Exactly those seven are stored, counted once each.
        #expect(try await Self.responseRows(office, survey) == 7)
        let results = try await office.db.surveys.surveyResults(id: survey.id)
        #expect(results.survey.responseCount == 7)
        var recount = SurveyTally(definition: survey.definition)
        for record in try await office.db.surveys.surveyResponses(id: survey.id) { recount.add(record.response) }
        #expect(results.results == recount.results())
        let keys = try await office.db.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM survey_duplicate_key WHERE survey_id = ?", arguments: [survey.id])
        }
        #expect(keys == 7)
    }

    @Test("a transaction SQLite rolls back fails all of its submissions and stores none; the next one works")
    func aRolledBackTransactionStoresNone() async throws {
        let office = try await Office()
        let survey = try await office.openSurvey()
        // On the writer's connection only: a free-text answer that makes
        // SQLite roll back the whole transaction, as a full disk would.
        try await office.db.writer.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER roll_back_everything BEFORE INSERT ON survey_text_answer
                    WHEN NEW.text = '整批回滚' BEGIN SELECT RAISE(ROLLBACK, 'rolled back by the test'); END
                    """)
        }
        var poisoned = Self.submission(survey, browser: "browser-poison", seed: 7)
        poisoned.response.answers["suggestion"] = .text("整批回滚")
        let rest = (1...4).map { Self.submission(survey, browser: "browser-\($0)", seed: UInt64($0)) } + [poisoned]
        let outcomes = try await Self.submitBehindHeldWriter(
            office, first: Self.submission(survey, browser: "browser-0", seed: 100), rest: rest)

        #expect((try? outcomes[0].get()) != nil, "the first had its own transaction")
        for outcome in outcomes.dropFirst() {
            #expect(throws: DatabaseError.self) { try outcome.get() }
        }
        #expect(try await Self.responseRows(office, survey) == 1)
        #expect(try await office.db.surveys.survey(id: survey.id).responseCount == 1)

        // Nothing is left half-done: the same browsers answer now.
        for submission in rest.dropLast() { _ = try await office.db.surveys.submitSurveyResponse(submission, at: Self.day) }
        #expect(try await Self.responseRows(office, survey) == 5)
        let results = try await office.db.surveys.surveyResults(id: survey.id)
        var recount = SurveyTally(definition: survey.definition)
        for record in try await office.db.surveys.surveyResponses(id: survey.id) { recount.add(record.response) }
        #expect(results.survey.responseCount == 5 && results.results == recount.results())
    }

    // The two tests above hold SQLite's one writer to make a batch: they
    // test the group commit itself and stay SQLite-only. This one asks what
    // both backends promise under concurrency.
    @Test("many concurrent submissions: every one answered is stored once and counted once", arguments: StoreBackend.underTest)
    func concurrentSubmissions(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let survey = try await office.openSurvey()
        let store = office.db.surveys
        let receipts = try await withThrowingTaskGroup(of: SurveyReceipt.self) { group in
            for index in 0..<300 {
                let submission = Self.submission(survey, browser: "browser-\(index)", seed: UInt64(index + 1))
                group.addTask {
                    do {
                        return try await store.submitSurveyResponse(submission, at: Self.day)
                    } catch {
                        Issue.record("submission failed: \(String(reflecting: error))")
                        throw error
                    }
                }
            }
            return try await group.reduce(into: [SurveyReceipt]()) { $0.append($1) }
        }
        #expect(Set(receipts.map(\.responseID)).count == 300)
        let stored = Set(try await office.db.rawStrings("SELECT id FROM survey_response WHERE survey_id = \(survey.id)"))
        #expect(stored == Set(receipts.map(\.responseID)))
        let results = try await office.db.surveys.surveyResults(id: survey.id)
        var recount = SurveyTally(definition: survey.definition)
        for record in try await office.db.surveys.surveyResponses(id: survey.id) { recount.add(record.response) }
        #expect(results.survey.responseCount == 300 && results.results == recount.results())
        if backend == .sqlite { #expect(try Self.batcher(office).statistics.submissions == 300) }
    }
}
