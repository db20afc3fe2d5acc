import Foundation
import WenzhengCore
import WenzhengStore

/// One limit per client address over a sliding window (letters, survey
/// answers): each submission costs work and a row, so one address cannot
/// send them without end. The configured policy comes from
/// `AppConfiguration`; the counts live in the database
/// (`SlidingWindowLimiter`).
struct AddressRateLimiter: Sendable {
    let policy: RateLimitPolicy
    private let limiter: SlidingWindowLimiter

    /// - Parameter bucket: the limiter's name in the store (`letter`,
    ///   `letter-search`, `survey-answer`): limiters never share counts.
    init(policy: RateLimitPolicy, store: any RateLimitStore, bucket: String) {
        self.policy = policy
        limiter = SlidingWindowLimiter(store: store, bucket: bucket)
    }

    /// Seconds to wait, or nil when a submission is allowed now (and counted).
    func admit(address: String, now: Date) async throws -> Int? {
        try await limiter.admit([(address, policy)], now: now)
    }

    /// Takes back a submission admitted at `now` that the server could not
    /// take after all (busy, disk full): it does not count.
    func forgive(_ address: String, admittedAt now: Date) async {
        await limiter.forgive(address, admittedAt: now)
    }
}
