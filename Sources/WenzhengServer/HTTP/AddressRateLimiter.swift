import Foundation
import WenzhengCore

/// One limit per client address over a sliding window (letters, survey
/// answers): each submission costs work and a row, so one address cannot
/// send them without end. The configured policy comes from
/// `AppConfiguration`.
struct AddressRateLimiter: Sendable {
    let policy: RateLimitPolicy
    private let limiter = SlidingWindowLimiter()

    init(policy: RateLimitPolicy) {
        self.policy = policy
    }

    /// Seconds to wait, or nil when a submission is allowed now (and counted).
    func admit(address: String, now: Date) -> Int? {
        limiter.admit([(address, policy)], now: now)
    }

    /// Takes back a submission admitted at `now` that the server could not
    /// take after all (busy, disk full): it does not count.
    func forgive(_ address: String, admittedAt now: Date) {
        limiter.forgive(address, admittedAt: now)
    }
}
