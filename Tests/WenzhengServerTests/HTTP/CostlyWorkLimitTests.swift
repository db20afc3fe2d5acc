import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import GRDB
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// The global caps on CPU-costly work: a flood gets 503 at once instead of
/// a queue that every other request waits behind.
@Suite struct CostlyWorkLimitTests {
    /// Holds places of a limit until released.
    actor Gate {
        private var opened = false
        private var waiting: [CheckedContinuation<Void, Never>] = []
        func wait() async {
            if opened { return }
            await withCheckedContinuation { waiting.append($0) }
        }
        func open() {
            opened = true
            for continuation in waiting { continuation.resume() }
            waiting = []
        }
    }

    static func settle(_ limit: CostlyWorkLimit, running: Int, waiting: Int) async throws {
        for _ in 0..<500 where limit.counts.running != running || limit.counts.waiting != waiting {
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test("at most `concurrent` run, at most `queued` wait, the rest get 503 with Retry-After at once; waiters go in order")
    func capsRunningAndWaiting() async throws {
        let limit = CostlyWorkLimit(name: "hashing", concurrent: 2, queued: 2, retryAfter: 7)
        let gate = Gate()
        let order = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<2 { group.addTask { try await limit.run { await gate.wait(); await order.add(index) } } }
            try await Self.settle(limit, running: 2, waiting: 0)
            for index in 2..<4 {
                group.addTask { try await limit.run { await order.add(index) } }
                try await Self.settle(limit, running: 2, waiting: index - 1)
            }
            #expect(limit.counts.running == 2 && limit.counts.waiting == 2)
            do {
                try await limit.run { Issue.record("the fifth ran") }
                Issue.record("the fifth was not refused")
            } catch let problem as Problem {
                #expect(problem.statusCode == 503)
                #expect(problem.headers[.retryAfter] == "7")
            }
            await gate.open()
            try await group.waitForAll()
        }
        #expect(limit.counts.running == 0 && limit.counts.waiting == 0 && limit.counts.refused == 1)
        let finished = await order.values
        // The two waiters ran after the two first, in the order they came.
        #expect(Array(finished.suffix(2)) == [2, 3])
    }

    @Test("a waiter that is cancelled gives up its place in the queue")
    func cancelledWaiterLeaves() async throws {
        let limit = CostlyWorkLimit(name: "search", concurrent: 1, queued: 1)
        let gate = Gate()
        let holder = Task { try await limit.run { await gate.wait() } }
        try await Self.settle(limit, running: 1, waiting: 0)
        let waiter = Task { try await limit.run {} }
        try await Self.settle(limit, running: 1, waiting: 1)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(limit.counts.waiting == 0)
        await gate.open()
        try await holder.value
        #expect(limit.counts.running == 0)
    }

    @Test("bcrypt work goes through the server's cap")
    func hashingIsCapped() async throws {
        let limit = CostlyWorkLimit(name: "password hashing", concurrent: 1, queued: 0)
        let hasher = PasswordHasher(cost: 4, limit: limit)
        let gate = Gate()
        let holder = Task { try await limit.run { await gate.wait() } }
        try await Self.settle(limit, running: 1, waiting: 0)
        await #expect(throws: Problem.self) { _ = try await hasher.hash("a password of length") }
        await gate.open()
        try await holder.value
        let hash = try await hasher.hash("a password of length")
        #expect(try await hasher.verify("a password of length", hash: hash))
    }

    @Test("a query that outlives the time limit is interrupted in SQLite, keeps its place until it has stopped, and the client gets 503")
    func slowQueriesAreStopped() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-limit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try AppDatabase.openFile(atPath: directory.appendingPathComponent("test.sqlite").path)
        let limit = CostlyWorkLimit(
            name: "letter searches", concurrent: 1, queued: 0, retryAfter: 3, timeLimit: .milliseconds(200),
            tooSlowAdvice: "try more specific words")
        // Ten billion rows: minutes of work unless SQLite is interrupted.
        let endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000000000) SELECT count(*) FROM n"
        let started = ContinuousClock.now
        do {
            _ = try await limit.run { try await database.writer.read { try Int.fetchOne($0, sql: endless) } }
            Issue.record("the endless query finished")
        } catch let problem as Problem {
            #expect(problem.statusCode == 503)
            #expect(problem.headers[.retryAfter] == "3")
            #expect(problem.detail == "letter searches took too long and were stopped; try more specific words")
        }
        // Stopped, not left to run for the many minutes ten billion rows
        // take: the place is free when run returns. (The bound is loose: in
        // the full parallel suite the clock task waited 33 s for a thread.)
        #expect(ContinuousClock.now - started < .seconds(150))
        #expect(limit.counts.running == 0 && limit.counts.timedOut == 1)
        // The connection is usable again, and work within its limit keeps
        // its result (a generous limit: the whole suite loads the machine).
        let generous = CostlyWorkLimit(name: "letter searches", concurrent: 1, queued: 0, timeLimit: .seconds(60))
        let value = try await generous.run { try await database.writer.read { try Int.fetchOne($0, sql: "SELECT 42") } }
        #expect(value == 42)
        #expect(generous.counts.timedOut == 0 && generous.counts.running == 0)
    }

    @Test("letter searches are limited per address: 429 with Retry-After past the limit; the list without a query is not")
    func searchesPerAddress() async throws {
        let server = try await TestServer { $0.letterSearchLimit = .init(limit: 2, window: 60) }
        try await server.test { client in
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/api/v1/letters/published?q=%E5%8F%B8%E6%B3%95", method: .get)
                #expect(response.status == .ok)
            }
            let refused = try await client.execute(uri: "/api/v1/letters/published?q=%E5%8F%B8%E6%B3%95", method: .get)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
            let page = try await client.execute(uri: "/letters?q=%E5%8F%B8%E6%B3%95", method: .get)
            #expect(page.status == .tooManyRequests)
            let list = try await client.execute(uri: "/api/v1/letters/published", method: .get)
            #expect(list.status == .ok)
        }
    }
}

actor OrderLog {
    var values: [Int] = []
    func add(_ value: Int) { values.append(value) }
}
