import Foundation
import PostgresNIO
import WenzhengCore

/// `RateLimitStore` on PostgreSQL, shared by every server node.
///
/// Each admission is one SERIALIZABLE transaction (`PostgresBackend.write`):
/// two nodes admitting the same key at once both read the count, and
/// PostgreSQL makes one of them start again, when it sees the other's
/// attempt. So a burst spread over the nodes gets exactly `limit`.
struct PostgresRateLimitStore: RateLimitStore {
    let backend: PostgresBackend
    private let passing = PruneSchedule()

    init(backend: PostgresBackend) {
        self.backend = backend
    }

    func admit(_ checks: [RateLimitCheck], at now: Date) async throws -> RateLimitDecision {
        let decision = try await backend.write { tx in try await Self.admit(tx, checks, at: now) }
        if passing.isDue() { try await pruneExpired(at: now) }
        return decision
    }

    func forgive(bucket: String, key: String, admittedAt time: Date) async throws {
        try await backend.write { tx in
            try await tx.execute(
                """
                DELETE FROM rate_limit_hit WHERE id = (
                    SELECT id FROM rate_limit_hit
                    WHERE bucket = \(bucket) AND key = \(key) AND admitted_at = \(time.timeIntervalSinceReferenceDate)
                    ORDER BY id DESC LIMIT 1)
                """)
        }
    }

    @discardableResult
    func pruneExpired(at now: Date) async throws -> Int {
        let cutoff = now.timeIntervalSinceReferenceDate - RateLimitRule.pruneSlack
        return try await backend.write { tx in
            try await tx.count("DELETE FROM rate_limit_hit WHERE expires_at < \(cutoff) RETURNING 1")
        }
    }

    /// `GRDBRateLimitStore.admit`, statement for statement.
    static func admit(_ tx: PostgresTransaction, _ checks: [RateLimitCheck], at now: Date) async throws -> RateLimitDecision {
        let instant = now.timeIntervalSinceReferenceDate
        var waits: [Int] = []
        var storedCounts: [Int] = []
        for check in checks {
            if RateLimitRule.refusesAll(check.policy) {
                waits.append(max(1, Int(check.policy.window.rounded(.up))))
                continue
            }
            let stored =
                try await tx.scalar("SELECT stored FROM rate_limit_key WHERE bucket = \(check.bucket) AND key = \(check.key)", as: Int.self) ?? 0
            storedCounts.append(stored)
            if stored < check.policy.limit { continue }
            let releasing = try await tx.scalar(
                """
                SELECT admitted_at FROM rate_limit_hit
                WHERE bucket = \(check.bucket) AND key = \(check.key) AND admitted_at > \(instant - check.policy.window - 1)
                  AND \(instant)::float8 - admitted_at < \(check.policy.window)::float8
                ORDER BY admitted_at DESC LIMIT 1 OFFSET \(check.policy.limit - 1)
                """, as: Double.self)
            if let releasing {
                waits.append(RateLimitRule.retryAfter(check.policy, releasing: Date(timeIntervalSinceReferenceDate: releasing), now: now))
            }
        }
        if let wait = waits.max() { return .refused(retryAfter: wait) }
        for (check, stored) in zip(checks, storedCounts) {
            if stored > 0 {
                try await tx.execute(
                    """
                    DELETE FROM rate_limit_hit
                    WHERE bucket = \(check.bucket) AND key = \(check.key)
                      AND admitted_at < \(instant - check.policy.window - RateLimitRule.pruneSlack)
                    """)
            }
            try await tx.execute(
                """
                INSERT INTO rate_limit_hit (bucket, key, admitted_at, expires_at)
                VALUES (\(check.bucket), \(check.key), \(instant), \(instant + check.policy.window))
                """)
        }
        return .admitted
    }
}
