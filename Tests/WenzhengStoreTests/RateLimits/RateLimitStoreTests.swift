import Foundation
import Testing
import WenzhengCore

@testable import WenzhengStore

/// `RateLimitStore` on both backends: the same answers as the rule over
/// every attempt (`RateLimitPolicy.retryAfter`), exact under concurrency,
/// and expired attempts pruned.
@Suite("Rate limits in the store")
struct RateLimitStoreTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func check(_ key: String, _ policy: RateLimitPolicy, bucket: String = "test") -> RateLimitCheck {
        RateLimitCheck(bucket: bucket, key: key, policy: policy)
    }

    @Test("the same answers as the rule over every attempt, with clocks read slightly out of order", arguments: StoreBackend.underTest)
    func sameAsTheRule(_ backend: StoreBackend) async throws {
        let store = try await backend.makeDatabase().rateLimits
        // A fixed sequence (not `SystemRandomNumberGenerator`): a failure
        // can be replayed.
        var state: UInt64 = 2026
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let policies = [RateLimitPolicy(limit: 3, window: 10), RateLimitPolicy(limit: 8, window: 30)]
        var admitted: [String: [Date]] = [:]
        var clock = Self.start
        for _ in 0..<(backend == .sqlite ? 1_500 : 400) {
            clock += Double(next() % 4_000) / 1000
            // Requests read the clock before their transaction: one may
            // arrive a little earlier than the one before it.
            let now = clock - Double(next() % 300) / 1000
            let checks = [Self.check("a:\(next() % 3)", policies[0]), Self.check("b:\(next() % 2)", policies[1])]
            let expected = checks.compactMap { $0.policy.retryAfter(previous: admitted[$0.key] ?? [], now: now) }.max()
            #expect(try await store.admit(checks, at: now).retryAfter == expected)
            if expected == nil {
                for check in checks { admitted[check.key, default: []].append(now) }
            }
        }
    }

    @Test("a forgiven attempt no longer counts; buckets do not share counts", arguments: StoreBackend.underTest)
    func forgivingAndBuckets(_ backend: StoreBackend) async throws {
        let store = try await backend.makeDatabase().rateLimits
        let policy = RateLimitPolicy(limit: 2, window: 60)
        let start = Self.start
        #expect(try await store.admit(bucket: "letter", key: "k", limit: 2, window: 60, at: start) == .admitted)
        #expect(try await store.admit([Self.check("k", policy, bucket: "letter")], at: start + 1) == .admitted)
        #expect(try await store.admit([Self.check("k", policy, bucket: "letter")], at: start + 2) == .refused(retryAfter: 58))
        #expect(try await store.admit([Self.check("k", policy, bucket: "vote")], at: start + 2) == .admitted)
        try await store.forgive(bucket: "letter", key: "k", admittedAt: start + 1)
        // Forgiving what was never admitted changes nothing.
        try await store.forgive(bucket: "letter", key: "k", admittedAt: start + 1.5)
        #expect(try await store.admit([Self.check("k", policy, bucket: "letter")], at: start + 3) == .admitted)
        #expect(try await store.admit([Self.check("k", policy, bucket: "letter")], at: start + 4) == .refused(retryAfter: 56))
    }

    @Test("refused by one limit, counted under none", arguments: StoreBackend.underTest)
    func allOrNothing(_ backend: StoreBackend) async throws {
        let store = try await backend.makeDatabase().rateLimits
        let tight = RateLimitPolicy(limit: 1, window: 600)
        let loose = RateLimitPolicy(limit: 2, window: 600)
        #expect(try await store.admit([Self.check("b:x", tight), Self.check("a:1", loose)], at: Self.start) == .admitted)
        // The browser is over its limit: the address's attempt is not counted…
        #expect(try await store.admit([Self.check("b:x", tight), Self.check("a:1", loose)], at: Self.start + 10) == .refused(retryAfter: 590))
        // …so another browser behind it still has one left.
        #expect(try await store.admit([Self.check("b:y", tight), Self.check("a:1", loose)], at: Self.start + 20) == .admitted)
        #expect(try await store.admit([Self.check("b:z", tight), Self.check("a:1", loose)], at: Self.start + 30) == .refused(retryAfter: 570))
    }

    @Test("attempts at the limit's edge at the same moment: exactly `limit` admitted", arguments: StoreBackend.underTest)
    func concurrentAdmissions(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase(onFile: true)
        let store = db.rateLimits
        let policy = RateLimitPolicy(limit: 3, window: 600)
        for round in 0..<5 {
            let key = "a:10.0.0.\(round)"
            // Two below the limit, then two at once: one gets the last slot.
            for second in 0..<2 {
                #expect(try await store.admit([Self.check(key, policy)], at: Self.start + Double(second)) == .admitted)
            }
            async let one = store.admit([Self.check(key, policy)], at: Self.start + 5)
            async let two = store.admit([Self.check(key, policy)], at: Self.start + 5)
            let decisions = try await [one, two]
            #expect(decisions.filter { $0 == .admitted }.count == 1, "round \(round): \(decisions)")
        }
        // A burst from nothing.
        let burst = try await withThrowingTaskGroup(of: RateLimitDecision.self) { group in
            for _ in 0..<8 { group.addTask { try await store.admit([Self.check("a:burst", policy)], at: Self.start) } }
            return try await group.reduce(into: [RateLimitDecision]()) { $0.append($1) }
        }
        #expect(burst.filter { $0 == .admitted }.count == 3)
        #expect(burst.filter { $0 != .admitted }.allSatisfy { $0 == .refused(retryAfter: 600) })
    }

    @Test("expired attempts are pruned; those still in a window are kept", arguments: StoreBackend.underTest)
    func pruning(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let store = db.rateLimits
        let short = RateLimitPolicy(limit: 5, window: 10)
        let long = RateLimitPolicy(limit: 5, window: 3600)
        for index in 0..<3 {
            #expect(try await store.admit([Self.check("short:\(index)", short), Self.check("long:\(index)", long)], at: Self.start) == .admitted)
        }
        let rows = "SELECT COUNT(*) FROM rate_limit_hit"
        #expect(try await db.integerRaw(sqlite: rows) == 6)
        // Within the window (and the second of slack) nothing goes.
        #expect(try await store.pruneExpired(at: Self.start + 10.5) == 0)
        #expect(try await store.pruneExpired(at: Self.start + 12) == 3)
        #expect(try await db.integerRaw(sqlite: rows) == 3)
        // A key's own expired attempts go at its next admission.
        #expect(try await store.admit([Self.check("long:0", long)], at: Self.start + 3602) == .admitted)
        #expect(try await db.integerRaw(sqlite: "SELECT COUNT(*) FROM rate_limit_hit WHERE key = 'long:0'") == 1)
        // Still counted: two more fill the window of five.
        for _ in 0..<4 { #expect(try await store.admit([Self.check("long:0", long)], at: Self.start + 3603) == .admitted) }
        #expect(try await store.admit([Self.check("long:0", long)], at: Self.start + 3604) == .refused(retryAfter: 3598))
    }

    @Test("a raised limit counts every attempt of its window", arguments: StoreBackend.underTest)
    func raisedLimit(_ backend: StoreBackend) async throws {
        let store = try await backend.makeDatabase().rateLimits
        let limit = backend == .sqlite ? 1_000 : 200
        let policy = RateLimitPolicy(limit: limit, window: 1)
        for index in 0..<limit {
            #expect(try await store.admit([Self.check("a:127.0.0.1", policy)], at: Self.start + Double(index) / Double(limit + 1)) == .admitted)
        }
        #expect(try await store.admit([Self.check("a:127.0.0.1", policy)], at: Self.start + 0.9999) == .refused(retryAfter: 1))
        #expect(try await store.admit([Self.check("a:127.0.0.1", policy)], at: Self.start + 1) == .admitted)
    }

    /// Keys whose `rate_limit_key.stored` differs from their rows (or that
    /// have one and not the other).
    static func miscounted(_ db: AppDatabase) async throws -> Int? {
        try await db.integerRaw(
            sqlite: """
                SELECT COUNT(*) FROM (
                    SELECT bucket, key, COUNT(*) AS n FROM rate_limit_hit GROUP BY bucket, key
                ) AS hit FULL JOIN rate_limit_key AS counted USING (bucket, key)
                WHERE hit.n IS DISTINCT FROM counted.stored
                """)
    }

    @Test("each key's count of stored attempts follows admissions, forgiveness and pruning", arguments: StoreBackend.underTest)
    func storedCounts(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let store = db.rateLimits
        let short = RateLimitPolicy(limit: 4, window: 10)
        let long = RateLimitPolicy(limit: 4, window: 3600)
        for second in 0..<6 {
            _ = try await store.admit([Self.check("a:\(second % 2)", short), Self.check("b:\(second % 3)", long)], at: Self.start + Double(second))
        }
        #expect(try await db.integerRaw(sqlite: "SELECT stored FROM rate_limit_key WHERE key = 'a:0'") == 3)
        #expect(try await Self.miscounted(db) == 0)
        try await store.forgive(bucket: "test", key: "a:0", admittedAt: Self.start + 4)
        #expect(try await db.integerRaw(sqlite: "SELECT stored FROM rate_limit_key WHERE key = 'a:0'") == 2)
        // A key's own pruning at its next admission, then everyone's.
        #expect(try await store.admit([Self.check("a:1", short)], at: Self.start + 30) == .admitted)
        #expect(try await db.integerRaw(sqlite: "SELECT stored FROM rate_limit_key WHERE key = 'a:1'") == 1)
        #expect(try await store.pruneExpired(at: Self.start + 30) == 2)
        #expect(try await db.integerRaw(sqlite: "SELECT COUNT(*) FROM rate_limit_key WHERE key = 'a:0'") == 0)
        #expect(try await Self.miscounted(db) == 0)
        // The schema keeps the count true: rows are never changed in place.
        await #expect(throws: (any Error).self) {
            try await db.executeRaw(sqlite: "UPDATE rate_limit_hit SET key = 'a:9' WHERE key = 'a:1'")
        }
        #expect(try await Self.miscounted(db) == 0)
    }

    @Test("a key far below a high limit is admitted however many attempts it stored", arguments: StoreBackend.underTest)
    func highLimitBelowIt(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let store = db.rateLimits
        let policy = RateLimitPolicy(limit: 1_000_000, window: 1)
        // 1,024 a second (binary fractions: the times are exact).
        let attempts = backend == .sqlite ? 3_000 : 300
        for index in 0..<attempts {
            #expect(try await store.admit([Self.check("a:127.0.0.1", policy)], at: Self.start + Double(index) / 1024) == .admitted)
        }
        // The rows older than the window and its second of slack went at
        // each admission (951 of 3,000); the count follows.
        let stored = try #require(try await db.integerRaw(sqlite: "SELECT stored FROM rate_limit_key WHERE key = 'a:127.0.0.1'"))
        #expect(stored == attempts - max(0, attempts - 1 - 2 * 1024))
        #expect(try await Self.miscounted(db) == 0)
    }
}
