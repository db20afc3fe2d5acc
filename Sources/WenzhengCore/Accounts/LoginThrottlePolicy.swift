import Foundation

/// A wait that doubles with each failure beyond a free allowance: the
/// first `freeFailures` within the window cost nothing, the next one makes
/// the key wait `firstDelay` from that failure, the one after twice that,
/// and so on up to `maxDelay`. A success clears the key.
public struct FailureBackoff: Sendable, Equatable {
    public var freeFailures: Int
    public var firstDelay: TimeInterval
    public var maxDelay: TimeInterval

    public init(freeFailures: Int, firstDelay: TimeInterval, maxDelay: TimeInterval) {
        self.freeFailures = freeFailures
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
    }

    /// The wait after `count` failures (0 while they are free).
    public func delay(afterFailures count: Int) -> TimeInterval {
        guard count >= freeFailures else { return 0 }
        let doublings = min(count - freeFailures, 40)
        return min(maxDelay, firstDelay * pow(2, Double(doublings)))
    }

    /// Seconds until the next attempt may be made, or nil when it may be
    /// made now. `failures` are the key's failure times within the window.
    public func retryAfter(_ failures: [Date], now: Date) -> Int? {
        guard let last = failures.max() else { return nil }
        let wait = delay(afterFailures: failures.count) - now.timeIntervalSince(last)
        return wait > 0 ? max(1, Int(wait.rounded(.up))) : nil
    }
}

/// When repeated failed password checks stop being accepted. Staff
/// sign-in and citizens' letter queries each have their own (and their own
/// table), so citizens' wrong letter passwords never slow staff down.
///
/// Nothing ever locks an account or a letter as a whole, because anyone
/// could then lock out its owner by guessing wrong on purpose. Failures are
/// counted per (account, address) and per address, each with exponential
/// back-off (docs/security.md, "Sign-in and letter-query throttling"). An
/// attempt made while waiting is refused without being counted.
public struct LoginThrottlePolicy: Sendable, Equatable {
    /// How far back failures are counted.
    public var window: TimeInterval
    /// One address guessing one account's (or one letter's) password.
    public var perAccountAndAddress: FailureBackoff
    /// One address guessing across accounts (or letters).
    public var perAddress: FailureBackoff
    /// Failures for one account from all addresses within the window at
    /// which the server logs a warning (a distributed guess); never a lock.
    public var alertAfterAccountFailures: Int

    public init(
        window: TimeInterval, perAccountAndAddress: FailureBackoff, perAddress: FailureBackoff, alertAfterAccountFailures: Int = 50
    ) {
        self.window = window
        self.perAccountAndAddress = perAccountAndAddress
        self.perAddress = perAddress
        self.alertAfterAccountFailures = alertAfterAccountFailures
    }

    /// Staff sign-in: 5 free tries per account from one address, then 30 s,
    /// 1 min, 2 min… up to 15 min between tries; 20 free from one address
    /// across accounts, then the same back-off.
    public static let staffSignIn = LoginThrottlePolicy(
        window: 3600,
        perAccountAndAddress: FailureBackoff(freeFailures: 5, firstDelay: 30, maxDelay: 900),
        perAddress: FailureBackoff(freeFailures: 20, firstDelay: 30, maxDelay: 900))

    /// Letter queries: like staff sign-in per (letter, address); 30 free per
    /// address, since citizens behind one carrier address share it.
    public static let letterQuery = LoginThrottlePolicy(
        window: 3600,
        perAccountAndAddress: FailureBackoff(freeFailures: 5, firstDelay: 30, maxDelay: 900),
        perAddress: FailureBackoff(freeFailures: 30, firstDelay: 30, maxDelay: 900))

    public enum Decision: Sendable, Equatable {
        case allowed
        /// Try again after this many seconds (for the Retry-After header).
        case throttled(retryAfter: Int)
    }

    /// - Parameters:
    ///   - accountAtAddress: times of recent failures for this account (or
    ///     letter) from this address, any order.
    ///   - address: times of recent failures from this address.
    public func decide(accountAtAddress: [Date], address: [Date], now: Date) -> Decision {
        func recent(_ failures: [Date]) -> [Date] { failures.filter { now.timeIntervalSince($0) < window } }
        let waits = [
            perAccountAndAddress.retryAfter(recent(accountAtAddress), now: now),
            perAddress.retryAfter(recent(address), now: now),
        ].compactMap { $0 }
        if let wait = waits.max() { return .throttled(retryAfter: wait) }
        return .allowed
    }
}
