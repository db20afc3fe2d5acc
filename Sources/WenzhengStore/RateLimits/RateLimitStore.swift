import Foundation
import WenzhengCore

/// Citizens' rate limits, counted in the database (issue 16): with two
/// server nodes behind one proxy, counts kept in each node's memory would
/// let a client send twice the limit, and a restart would forget them.
///
/// Each admitted attempt is one row (`rate_limit_hit`: bucket, key, time)
/// that counts while it is inside its policy's sliding window, exactly as
/// the rule over every attempt (`RateLimitPolicy.retryAfter`) says. The
/// row carries when it stops counting (`expires_at`), so expired rows are
/// deleted as admissions pass by: the checked keys' own at each admission,
/// every key's at every 512th (`PruneSchedule`), and every key's at the
/// server's hourly housekeeping. `rate_limit_key` counts each key's stored
/// attempts (kept by triggers), so that a key below its limit is admitted
/// without walking its attempts.
public protocol RateLimitStore: Sendable {
    /// Checks every limit and, when none is reached, counts the attempt
    /// under each, in one write transaction: parallel attempts (on one node
    /// or several) cannot all slip through, and exactly `limit` attempts
    /// of a burst are admitted. When any limit is reached nothing is
    /// counted, and the answer is the longest wait.
    func admit(_ checks: [RateLimitCheck], at now: Date) async throws -> RateLimitDecision

    /// Takes back one attempt admitted under `bucket`/`key` at `time`, for
    /// limits that count only failures or attempts the server could not
    /// take after all. Nothing happens when there is no such attempt.
    func forgive(bucket: String, key: String, admittedAt time: Date) async throws

    /// Deletes every attempt no window counts any more; returns how many.
    @discardableResult
    func pruneExpired(at now: Date) async throws -> Int
}

extension RateLimitStore {
    /// One limit: `admit([RateLimitCheck(bucket:key:policy:)], at:)`.
    public func admit(bucket: String, key: String, limit: Int, window: TimeInterval, at now: Date) async throws -> RateLimitDecision {
        try await admit([RateLimitCheck(bucket: bucket, key: key, policy: RateLimitPolicy(limit: limit, window: window))], at: now)
    }
}

/// One limit to check: attempts under `key` within `bucket` (a limiter:
/// `question`, `letter-search`), at most `policy.limit` per
/// `policy.window` seconds.
public struct RateLimitCheck: Sendable, Equatable {
    public var bucket: String
    public var key: String
    public var policy: RateLimitPolicy

    public init(bucket: String, key: String, policy: RateLimitPolicy) {
        self.bucket = bucket
        self.key = key
        self.policy = policy
    }
}

/// Thrown by a store that checks rate limits inside its own transaction
/// (a citizen's question: `InterviewsStore.submitQuestion`) when a limit is
/// reached: nothing of the attempt was stored or counted.
public struct RateLimitReached: Error, Sendable, Equatable {
    /// Seconds to wait (at least 1), as `RateLimitDecision.refused`.
    public var retryAfter: Int

    public init(retryAfter: Int) {
        self.retryAfter = retryAfter
    }
}

/// The answer to an attempt.
public enum RateLimitDecision: Sendable, Equatable {
    /// Allowed, and counted under every limit checked.
    case admitted
    /// A limit is reached: wait this many seconds (at least 1).
    case refused(retryAfter: Int)

    /// Seconds to wait, nil when admitted (the limiters' `Retry-After`).
    public var retryAfter: Int? {
        if case .refused(let seconds) = self { return seconds }
        return nil
    }
}

enum RateLimitRule {
    /// An attempt's row is deleted this long after it left its window, so
    /// that rounding at the window's edge never deletes one the rule still
    /// counts.
    static let pruneSlack: TimeInterval = 1

    /// `RateLimitPolicy.retryAfter` given the attempt that leaves the window
    /// first among the last `limit` (the `limit`-th newest): the wait until
    /// it does. Stored times are exact `Date` values (seconds since 2001 as
    /// a double, `timeIntervalSinceReferenceDate`), so the answer is the
    /// rule's to the second.
    static func retryAfter(_ policy: RateLimitPolicy, releasing: Date, now: Date) -> Int {
        max(1, Int((policy.window - now.timeIntervalSince(releasing)).rounded(.up)))
    }

    /// A limit of 0 (or less) refuses everything for a whole window; the
    /// configuration refuses such limits, so this is a guard only.
    static func refusesAll(_ policy: RateLimitPolicy) -> Bool { policy.limit <= 0 }
}
