import Foundation
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// `SlidingWindowLimiter` counts attempts in the rate-limit store (an
/// in-memory SQLite database here; the store's own tests run both
/// backends); it must answer as the rule over all kept times
/// (`RateLimitPolicy.retryAfter(previous:now:)`) does.
@Suite("Sliding-window limiter")
struct SlidingWindowLimiterTests {
    @Test("the same answers as the rule over every attempt, with clocks read slightly out of order")
    func sameAsTheRule() async throws {
        var random = SplitMix64(seed: 2026)
        let policies = [RateLimitPolicy(limit: 3, window: 10), RateLimitPolicy(limit: 20, window: 60)]
        let limiter = SlidingWindowLimiter(store: try AppDatabase.inMemory().rateLimits, bucket: "test")
        var admitted: [String: [Date]] = [:]
        var clock = Date(timeIntervalSince1970: 1_800_000_000)
        for _ in 0..<5_000 {
            clock += Double(random.next() % 4_000) / 1000
            // Requests read the clock before taking the lock: one may
            // arrive a little earlier than the one before it.
            let now = clock - Double(random.next() % 300) / 1000
            let checks = [("a:\(random.next() % 3)", policies[0]), ("b:\(random.next() % 2)", policies[1])]
            let expected = checks.compactMap { $0.1.retryAfter(previous: admitted[$0.0] ?? [], now: now) }.max()
            #expect(try await limiter.admit(checks.map { (key: $0.0, policy: $0.1) }, now: now) == expected)
            if expected == nil {
                for check in checks { admitted[check.0, default: []].append(now) }
            }
        }
    }

    @Test("a forgiven attempt no longer counts")
    func forgiving() async throws {
        let limiter = SlidingWindowLimiter(store: try AppDatabase.inMemory().rateLimits, bucket: "test")
        let policy = RateLimitPolicy(limit: 2, window: 60)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await limiter.admit([("k", policy)], now: start) == nil)
        #expect(try await limiter.admit([("k", policy)], now: start + 1) == nil)
        #expect(try await limiter.admit([("k", policy)], now: start + 2) == 58)
        await limiter.forgive("k", admittedAt: start + 1)
        #expect(try await limiter.admit([("k", policy)], now: start + 3) == nil)
        #expect(try await limiter.admit([("k", policy)], now: start + 4) == 56)
    }

    @Test("a raised limit keeps every attempt of its window, and only those")
    func raisedLimit() async throws {
        let limiter = SlidingWindowLimiter(store: try AppDatabase.inMemory().rateLimits, bucket: "test")
        let policy = RateLimitPolicy(limit: 5_000, window: 1)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        // 5,000 in the first second fill the window; the next waits.
        for index in 0..<5_000 { #expect(try await limiter.admit([("a:127.0.0.1", policy)], now: start + Double(index) / 5_001) == nil) }
        #expect(try await limiter.admit([("a:127.0.0.1", policy)], now: start + 0.9999) == 1)
        // A second later the first have left the window.
        for index in 0..<5_000 { #expect(try await limiter.admit([("a:127.0.0.1", policy)], now: start + 1 + Double(index) / 5_001) == nil) }
    }
}
