import Foundation
import WenzhengCore
import WenzhengStore

/// Counts attempts per key over sliding windows, in the database
/// (`RateLimitStore`, issue 16): every server node behind the proxy counts
/// against the same rows, and a restart forgets nothing. Checking and
/// counting happen in one transaction, so parallel requests, on one node
/// or several, cannot all slip through.
///
/// One limiter is one `bucket` of the store; its keys (`a:` an address,
/// `b:` a browser) are its own, as the in-memory limiters' were.
struct SlidingWindowLimiter: Sendable {
    let store: any RateLimitStore
    /// The limiter's name in the store: `question`, `letter-search`…
    let bucket: String

    init(store: any RateLimitStore, bucket: String) {
        self.store = store
        self.bucket = bucket
    }

    /// Seconds to wait when any key is over its policy; otherwise nil, and
    /// the attempt is counted under every key.
    ///
    /// - Throws: the store's error when the database cannot be written
    ///   (the request then fails as any other write would).
    func admit(_ checks: [(key: String, policy: RateLimitPolicy)], now: Date) async throws -> Int? {
        try await store.admit(self.checks(checks), at: now).retryAfter
    }

    /// The checks in this limiter's bucket, for a store that admits them
    /// inside its own transaction.
    func checks(_ checks: [(key: String, policy: RateLimitPolicy)]) -> [RateLimitCheck] {
        checks.map { RateLimitCheck(bucket: bucket, key: $0.key, policy: $0.policy) }
    }

    /// Takes back one attempt admitted under `key` at `time`, for limits
    /// that count only failures: every attempt is admitted (and counted)
    /// first, so parallel attempts cannot all pass before the first
    /// failure is known, and an attempt found to be no failure is forgiven.
    ///
    /// A forgiveness the database does not take leaves the attempt counted
    /// until it leaves its window: it errs on the limit's side, and the
    /// request it belongs to has its own answer to give.
    func forgive(_ key: String, admittedAt time: Date) async {
        try? await store.forgive(bucket: bucket, key: key, admittedAt: time)
    }
}
