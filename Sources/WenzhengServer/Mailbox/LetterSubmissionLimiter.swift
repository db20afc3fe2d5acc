import Foundation
import WenzhengCore

/// Letters per address: each submission costs a bcrypt hash and a row, so
/// one address cannot send them without end.
struct LetterSubmissionLimiter: Sendable {
    let policy: RateLimitPolicy
    private let limiter = SlidingWindowLimiter()

    init(policy: RateLimitPolicy = .init(limit: 20, window: 600)) {
        self.policy = policy
    }

    /// Seconds to wait, or nil when a submission is allowed now (and counted).
    func admit(address: String, now: Date) -> Int? {
        limiter.admit([(address, policy)], now: now)
    }
}
