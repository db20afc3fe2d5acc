import Foundation
import GRDB
import Synchronization
import WenzhengCore

/// `RateLimitStore` over the shared SQLite connection pool (GRDB).
///
/// An admission is a write on the hot path of every citizen submission, so
/// admissions share transactions through `GroupCommit` (one fsync for all
/// that arrive while the previous one commits). Within a transaction they
/// run one after the other, each seeing the ones before it: the count stays
/// exact.
struct GRDBRateLimitStore: RateLimitStore {
    let writer: any DatabaseWriter
    private let admissions: GroupCommit<Admission, RateLimitDecision>
    private let passing: PruneSchedule

    struct Admission: Sendable {
        var checks: [RateLimitCheck]
        var now: Date
    }

    init(writer: any DatabaseWriter) {
        self.writer = writer
        admissions = GroupCommit(writer: writer) { db, batch in
            try db.eachInSavepoint(batch) { try Self.admit(db, $0.checks, at: $0.now) }
        }
        passing = PruneSchedule()
    }

    func admit(_ checks: [RateLimitCheck], at now: Date) async throws -> RateLimitDecision {
        let decision = try await admissions.submit(Admission(checks: checks, now: now))
        if passing.isDue() { try await pruneExpired(at: now) }
        return decision
    }

    func forgive(bucket: String, key: String, admittedAt time: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    DELETE FROM rate_limit_hit WHERE id = (
                        SELECT id FROM rate_limit_hit WHERE bucket = ? AND key = ? AND admitted_at = ? ORDER BY id DESC LIMIT 1)
                    """,
                arguments: [bucket, key, time.timeIntervalSinceReferenceDate])
        }
    }

    @discardableResult
    func pruneExpired(at now: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql: "DELETE FROM rate_limit_hit WHERE expires_at < ?",
                arguments: [now.timeIntervalSinceReferenceDate - RateLimitRule.pruneSlack])
            return db.changesCount
        }
    }

    /// One admission inside the caller's transaction.
    static func admit(_ db: Database, _ checks: [RateLimitCheck], at now: Date) throws -> RateLimitDecision {
        let instant = now.timeIntervalSinceReferenceDate
        var waits: [Int] = []
        var storedCounts: [Int] = []
        for check in checks {
            if RateLimitRule.refusesAll(check.policy) {
                waits.append(max(1, Int(check.policy.window.rounded(.up))))
                continue
            }
            // Fewer attempts stored than the limit: fewer in the window,
            // whatever their times (`v21-rate-limit-counts`).
            let stored = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT stored FROM rate_limit_key WHERE bucket = ? AND key = ?"),
                arguments: [check.bucket, check.key]) ?? 0
            storedCounts.append(stored)
            if stored < check.policy.limit { continue }
            // The `limit`-th newest attempt still in the window, if there
            // are that many. `? - admitted_at < ?` is the rule's
            // `isRecent`; the range before it only lets the index narrow.
            let releasing = try Double.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT admitted_at FROM rate_limit_hit
                        WHERE bucket = ? AND key = ? AND admitted_at > ? AND ? - admitted_at < ?
                        ORDER BY admitted_at DESC LIMIT 1 OFFSET ?
                        """),
                arguments: [
                    check.bucket, check.key, instant - check.policy.window - 1, instant, check.policy.window, check.policy.limit - 1,
                ])
            if let releasing {
                waits.append(RateLimitRule.retryAfter(check.policy, releasing: Date(timeIntervalSinceReferenceDate: releasing), now: now))
            }
        }
        if let wait = waits.max() { return .refused(retryAfter: wait) }
        // Cached statements: compiling them for every attempt cost more
        // than running them (GRDB's authorizer visits each column at
        // compilation; docs/benchmarks.md, "Questions during a live
        // interview").
        for (check, stored) in zip(checks, storedCounts) {
            // By `admitted_at`, which the key's index covers: only the
            // expired rows are visited, not all the key's rows. A new key
            // (a new browser: most questions) has none to visit.
            if stored > 0 {
                try db.cachedStatement(sql: "DELETE FROM rate_limit_hit WHERE bucket = ? AND key = ? AND admitted_at < ?")
                    .execute(arguments: [check.bucket, check.key, instant - check.policy.window - RateLimitRule.pruneSlack])
            }
            try db.cachedStatement(sql: "INSERT INTO rate_limit_hit (bucket, key, admitted_at, expires_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [check.bucket, check.key, instant, instant + check.policy.window])
        }
        return .admitted
    }
}

/// Every `interval`-th admission also deletes the expired attempts of every
/// key (a key's own go at its next admission; this takes the keys that
/// never come back). One counter per store, shared by its callers.
final class PruneSchedule: Sendable {
    static let interval = 512
    private let count = Atomic<Int>(0)

    func isDue() -> Bool {
        count.wrappingAdd(1, ordering: .relaxed).newValue % Self.interval == 0
    }
}
