import Foundation
import Testing
import WenzhengCore

@Suite("Login throttling")
struct LoginThrottlePolicyTests {
    let policy = LoginThrottlePolicy(window: 900, maxFailuresPerAccount: 5, maxFailuresPerAddress: 20)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(_ count: Int, secondsAgo: TimeInterval) -> [Date] {
        Array(repeating: now.addingTimeInterval(-secondsAgo), count: count)
    }

    @Test func allowsBelowTheLimit() {
        #expect(policy.decide(accountFailures: failures(4, secondsAgo: 10), addressFailures: [], now: now) == .allowed)
    }

    @Test func throttlesAnAccountAtTheLimitUntilFailuresAgeOut() {
        let recent = failures(5, secondsAgo: 100)
        #expect(policy.decide(accountFailures: recent, addressFailures: [], now: now) == .throttled(retryAfter: 800))
        // Failures older than the window no longer count.
        #expect(policy.decide(accountFailures: failures(5, secondsAgo: 901), addressFailures: [], now: now) == .allowed)
    }

    @Test func throttlesAnAddressTryingManyAccounts() {
        let decision = policy.decide(accountFailures: [], addressFailures: failures(20, secondsAgo: 60), now: now)
        #expect(decision == .throttled(retryAfter: 840))
    }

    @Test func waitIsUntilEnoughOldFailuresExpire() {
        // 6 failures: the lock lifts when the second-oldest leaves the window.
        let times = [800, 700, 10, 9, 8, 7].map { now.addingTimeInterval(-Double($0)) }
        #expect(policy.decide(accountFailures: times, addressFailures: [], now: now) == .throttled(retryAfter: 200))
    }
}
