import Foundation

/// When a notice whose delivery failed for a passing reason is tried again:
/// after each failed attempt the next delay in the list, and after the last
/// one the notice is abandoned. The standard schedule waits 1 minute,
/// 5 minutes, 30 minutes, 2 hours and 12 hours: six attempts over about
/// 14 hours 36 minutes. A permanent refusal (a `5xx` reply to the
/// recipient or the message) abandons at once.
public struct RetrySchedule: Sendable, Equatable {
    /// Seconds to wait after the first, second… failed attempt.
    public var delays: [TimeInterval]

    public init(delays: [TimeInterval]) {
        self.delays = delays
    }

    public static let standard = RetrySchedule(delays: [60, 300, 1800, 7200, 43200])

    /// Attempts before a notice is abandoned.
    public var maxAttempts: Int { delays.count + 1 }

    /// When to try again after attempt number `attempt` (1 for the first)
    /// failed; nil when that was the last.
    public func retryDate(afterFailedAttempt attempt: Int, at now: Date) -> Date? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        return now.addingTimeInterval(delays[attempt - 1])
    }
}
