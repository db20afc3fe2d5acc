import Foundation
import Testing
import WenzhengCore

@Suite("Login throttling")
struct LoginThrottlePolicyTests {
    let policy = LoginThrottlePolicy(
        window: 3600,
        perAccountAndAddress: FailureBackoff(freeFailures: 5, firstDelay: 30, maxDelay: 900),
        perAddress: FailureBackoff(freeFailures: 20, firstDelay: 30, maxDelay: 900))
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(_ count: Int, secondsAgo: TimeInterval) -> [Date] {
        Array(repeating: now.addingTimeInterval(-secondsAgo), count: count)
    }

    @Test func allowsTheFreeFailures() {
        #expect(policy.decide(accountAtAddress: failures(4, secondsAgo: 1), address: failures(19, secondsAgo: 1), now: now) == .allowed)
    }

    @Test func theWaitDoublesWithEachFailureUpToTheMaximum() {
        let backoff = policy.perAccountAndAddress
        #expect((0...11).map { backoff.delay(afterFailures: $0) } == [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900])
        #expect(backoff.delay(afterFailures: 10_000) == 900)
    }

    @Test func theWaitRunsFromTheLastFailure() {
        // 6 failures: 60 s from the last one, which was 10 s ago.
        let times = failures(5, secondsAgo: 3000) + failures(1, secondsAgo: 10)
        #expect(policy.decide(accountAtAddress: times, address: [], now: now) == .throttled(retryAfter: 50))
        #expect(policy.decide(accountAtAddress: failures(6, secondsAgo: 61), address: [], now: now) == .allowed)
    }

    @Test func failuresOlderThanTheWindowNoLongerCount() {
        #expect(policy.decide(accountAtAddress: failures(50, secondsAgo: 3601), address: [], now: now) == .allowed)
    }

    @Test func anAddressTryingManyAccountsWaitsToo() {
        #expect(policy.decide(accountAtAddress: [], address: failures(20, secondsAgo: 5), now: now) == .throttled(retryAfter: 25))
    }

    @Test func theLongerWaitWins() {
        let decision = policy.decide(accountAtAddress: failures(7, secondsAgo: 20), address: failures(21, secondsAgo: 20), now: now)
        #expect(decision == .throttled(retryAfter: 100))
    }

    @Test func staffAndLetterPoliciesAreSeparateAndNeverLockForLong() {
        #expect(LoginThrottlePolicy.staffSignIn != LoginThrottlePolicy.letterQuery)
        for policy in [LoginThrottlePolicy.staffSignIn, .letterQuery] {
            #expect(policy.perAccountAndAddress.maxDelay <= 900)
            #expect(policy.perAddress.maxDelay <= 900)
        }
    }
}
