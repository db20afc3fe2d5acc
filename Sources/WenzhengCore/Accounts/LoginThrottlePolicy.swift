import Foundation

/// When repeated failed logins stop being accepted, per account and per
/// client address. Counting per account stops a slow guess at one
/// password from many machines; counting per address stops one machine
/// trying many accounts.
public struct LoginThrottlePolicy: Sendable, Equatable {
    /// How far back failures are counted.
    public var window: TimeInterval
    /// Failures for one username within the window before it is locked.
    public var maxFailuresPerAccount: Int
    /// Failures from one address within the window before it is locked.
    public var maxFailuresPerAddress: Int

    public init(window: TimeInterval = 15 * 60, maxFailuresPerAccount: Int = 5, maxFailuresPerAddress: Int = 20) {
        self.window = window
        self.maxFailuresPerAccount = maxFailuresPerAccount
        self.maxFailuresPerAddress = maxFailuresPerAddress
    }

    public static let standard = LoginThrottlePolicy()

    public enum Decision: Sendable, Equatable {
        case allowed
        /// Try again after this many seconds (for the Retry-After header).
        case throttled(retryAfter: Int)
    }

    /// - Parameters:
    ///   - accountFailures: times of recent failures for the username, any order.
    ///   - addressFailures: times of recent failures from the address.
    public func decide(accountFailures: [Date], addressFailures: [Date], now: Date) -> Decision {
        func retryAfter(_ failures: [Date], limit: Int) -> Int? {
            let recent = failures.filter { now.timeIntervalSince($0) < window }.sorted()
            guard recent.count >= limit else { return nil }
            // The lock lifts when enough of the oldest failures age out of the
            // window to bring the count back under the limit.
            let releasing = recent[recent.count - limit]
            return max(1, Int((window - now.timeIntervalSince(releasing)).rounded(.up)))
        }
        let waits = [
            retryAfter(accountFailures, limit: maxFailuresPerAccount),
            retryAfter(addressFailures, limit: maxFailuresPerAddress),
        ].compactMap { $0 }
        if let wait = waits.max() { return .throttled(retryAfter: wait) }
        return .allowed
    }
}
