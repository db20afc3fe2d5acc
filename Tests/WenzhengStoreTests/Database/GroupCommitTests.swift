import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing

@testable import WenzhengStore

/// `GroupCommit` on its own, over a table of its own: what it promises
/// every feature that submits through it (survey responses, questions).
@Suite("Group commit")
struct GroupCommitTests {
    /// Each submission writes a log row and then its value; `bad` breaks
    /// the value's CHECK after its log row is in, so a savepoint that is not
    /// rolled back would leave the log row behind.
    final class Table: Sendable {
        /// What the test learns as the transactions run.
        final class Log: Sendable {
            /// Transactions committed so far (GRDB's `afterNextTransaction`).
            let committed = Mutex(0)
            /// The transaction each value was written in.
            let writtenIn = Mutex<[String: Int]>([:])
            /// For each answered value, how many transactions had committed
            /// when its answer arrived.
            let commitsWhenAnswered = Mutex<[String: Int]>([:])
        }

        let database: AppDatabase
        let commit: GroupCommit<String, Int64>
        let log = Log()

        /// On a database the caller keeps open (a `TemporaryDatabase`).
        init(_ database: AppDatabase, maximumBatch: Int = 128) throws {
            self.database = database
            let writer = database.writer
            try writer.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE submission_log (value TEXT NOT NULL);
                        CREATE TABLE submission (id INTEGER PRIMARY KEY, value TEXT NOT NULL CHECK (value <> 'bad'));
                        """)
            }
            let log = self.log
            commit = GroupCommit(writer: writer, maximumBatch: maximumBatch) { db, values in
                let transaction = log.committed.withLock { $0 } + 1
                db.afterNextTransaction { _ in log.committed.withLock { $0 += 1 } }
                return try db.eachInSavepoint(values) { value in
                    try db.execute(sql: "INSERT INTO submission_log (value) VALUES (?)", arguments: [value])
                    try db.execute(sql: "INSERT INTO submission (value) VALUES (?)", arguments: [value])
                    log.writtenIn.withLock { $0[value] = transaction }
                    return db.lastInsertedRowID
                }
            }
        }

        func transaction(of value: String) -> Int? { log.writtenIn.withLock { $0[value] } }

        func submit(_ value: String) async throws -> Int64 {
            let id = try await commit.submit(value)
            let seen = log.committed.withLock { $0 }
            log.commitsWhenAnswered.withLock { $0[value] = seen }
            return id
        }

        func rows(_ table: String) async throws -> [String] {
            try await database.reader.read { db in try String.fetchAll(db, sql: "SELECT value FROM \(table) ORDER BY rowid") }
        }

        /// Holds the writer so that submissions pile up behind `first`,
        /// submits `rest` one after another while it is held (so their order
        /// of arrival is known), and releases it once all of them wait.
        /// The outcomes come in the order of `[first] + rest`.
        func submitBehindHeldWriter(first: String, rest: [String]) async throws -> [Result<Int64, any Error>] {
            let entered = Mutex(false)
            let release = DispatchSemaphore(value: 0)
            database.writer.asyncWriteWithoutTransaction { _ in
                entered.withLock { $0 = true }
                release.wait()
            }
            try await waitUntil { entered.withLock { $0 } }
            let before = commit.statistics.transactions
            let firstTask = Task { try await submit(first) }
            try await waitUntil { self.commit.statistics.transactions == before + 1 }
            var tasks: [Task<Int64, any Error>] = []
            for (index, value) in rest.enumerated() {
                tasks.append(Task { try await submit(value) })
                try await waitUntil { self.commit.waitingCount == index + 1 }
            }
            release.signal()
            var outcomes: [Result<Int64, any Error>] = []
            for task in [firstTask] + tasks { outcomes.append(await task.result) }
            return outcomes
        }
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        // Bounded: a broken group commit fails the test instead of hanging it.
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test("submissions that wait share one transaction, in the order they arrived, each answered after its commit")
    func waitingSubmissionsShareOneTransaction() async throws {
        let file = try TemporaryDatabase()
        defer { withExtendedLifetime(file) {} }
        let table = try Table(file.database)
        let rest = (1...8).map { "v\($0)" }
        let outcomes = try await table.submitBehindHeldWriter(first: "v0", rest: rest)

        let ids = try outcomes.map { try $0.get() }
        #expect(ids == ids.sorted(), "rows are written in the order of arrival")
        #expect(try await table.rows("submission") == ["v0"] + rest)
        #expect(table.commit.statistics == .init(transactions: 2, submissions: 9, largestBatch: 8))
        #expect(table.transaction(of: "v0") == 1)
        for value in rest { #expect(table.transaction(of: value) == 2, "\(value) waited and shared the second transaction") }
        // No answer came before the transaction holding it had committed.
        for value in ["v0"] + rest {
            let written = try #require(table.transaction(of: value))
            let seen = try #require(table.log.commitsWhenAnswered.withLock { $0[value] })
            #expect(seen >= written, "\(value) was answered before its transaction committed")
        }
    }

    @Test("a submission that fails is rolled back alone; the others of its transaction commit")
    func aFailingSubmissionFailsAlone() async throws {
        let file = try TemporaryDatabase()
        defer { withExtendedLifetime(file) {} }
        let table = try Table(file.database)
        let outcomes = try await table.submitBehindHeldWriter(first: "a", rest: ["b", "bad", "c"])

        #expect((try? outcomes[0].get()) != nil)
        #expect((try? outcomes[1].get()) != nil)
        #expect(throws: DatabaseError.self) { try outcomes[2].get() }
        #expect((try? outcomes[3].get()) != nil)
        #expect(try await table.rows("submission") == ["a", "b", "c"])
        #expect(try await table.rows("submission_log") == ["a", "b", "c"], "the failed one's first row went with it")
    }

    @Test("a transaction SQLite rolls back fails all of its submissions and stores none; the next one works")
    func aRolledBackTransactionStoresNone() async throws {
        let file = try TemporaryDatabase()
        defer { withExtendedLifetime(file) {} }
        let table = try Table(file.database)
        try await table.database.writer.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER roll_back_everything BEFORE INSERT ON submission
                    WHEN NEW.value = 'poison' BEGIN SELECT RAISE(ROLLBACK, 'rolled back by the test'); END
                    """)
        }
        let outcomes = try await table.submitBehindHeldWriter(first: "first", rest: ["x", "poison", "y"])

        #expect((try? outcomes[0].get()) != nil, "the first had its own transaction")
        for outcome in outcomes.dropFirst() {
            #expect(throws: DatabaseError.self) { try outcome.get() }
        }
        #expect(try await table.rows("submission") == ["first"])
        #expect(try await table.rows("submission_log") == ["first"])

        _ = try await table.submit("x")
        _ = try await table.submit("y")
        #expect(try await table.rows("submission") == ["first", "x", "y"])
    }

    @Test("a transaction takes at most maximumBatch submissions; the rest follow in order")
    func batchesAreBounded() async throws {
        let file = try TemporaryDatabase()
        defer { withExtendedLifetime(file) {} }
        let table = try Table(file.database, maximumBatch: 3)
        let rest = (1...7).map { "v\($0)" }
        let outcomes = try await table.submitBehindHeldWriter(first: "v0", rest: rest)

        let ids = try outcomes.map { try $0.get() }
        #expect(ids == ids.sorted())
        #expect(table.commit.statistics == .init(transactions: 4, submissions: 8, largestBatch: 3))
        #expect(rest.map { table.transaction(of: $0) } == [2, 2, 2, 3, 3, 3, 4])
    }

    @Test("many concurrent submissions: each answered once, each stored once")
    func concurrentSubmissions() async throws {
        let file = try TemporaryDatabase()
        defer { withExtendedLifetime(file) {} }
        let table = try Table(file.database)
        let commit = table.commit
        let ids = try await withThrowingTaskGroup(of: (String, Int64).self) { group in
            for index in 0..<500 {
                group.addTask { ("c\(index)", try await commit.submit("c\(index)")) }
            }
            return try await group.reduce(into: [String: Int64]()) { $0[$1.0] = $1.1 }
        }
        #expect(ids.count == 500 && Set(ids.values).count == 500)
        let stored = try await table.database.reader.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, value FROM submission").map {
                    ($0["value"] as String, $0["id"] as Int64)
                })
        }
        #expect(stored == ids)
        #expect(commit.statistics.submissions == 500)
    }
}
