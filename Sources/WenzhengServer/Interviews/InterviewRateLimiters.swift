import Foundation
import WenzhengCore
import WenzhengStore

/// Questions per browser and per address.
struct QuestionRateLimiter: Sendable {
    let perBrowser: RateLimitPolicy
    let perAddress: RateLimitPolicy
    private let limiter: SlidingWindowLimiter

    init(
        store: any RateLimitStore, perBrowser: RateLimitPolicy = .init(limit: 5, window: 600),
        perAddress: RateLimitPolicy = .init(limit: 30, window: 600)
    ) {
        self.perBrowser = perBrowser
        self.perAddress = perAddress
        limiter = SlidingWindowLimiter(store: store, bucket: "question")
    }

    /// The limits for the store to check in the question's transaction
    /// (`InterviewsStore.submitQuestion`).
    func checks(browserKey: String, address: String) -> [RateLimitCheck] {
        limiter.checks([("b:" + browserKey, perBrowser), ("a:" + address, perAddress)])
    }

    /// Seconds to wait, or nil when a question is allowed now (and
    /// counted), for a question that will not be stored (its text refused).
    func admit(browserKey: String, address: String, now: Date) async throws -> Int? {
        try await limiter.admit([("b:" + browserKey, perBrowser), ("a:" + address, perAddress)], now: now)
    }
}

/// Votes per address, overall and for one question. Browser keys are free
/// to obtain (any page view issues one), so the address is what bounds how
/// many browsers one machine can vote as.
struct VoteRateLimiter: Sendable {
    let perAddress: RateLimitPolicy
    let perAddressAndQuestion: RateLimitPolicy
    private let limiter: SlidingWindowLimiter

    init(
        store: any RateLimitStore, perAddress: RateLimitPolicy = .init(limit: 60, window: 600),
        perAddressAndQuestion: RateLimitPolicy = .init(limit: 10, window: 3600)
    ) {
        self.perAddress = perAddress
        self.perAddressAndQuestion = perAddressAndQuestion
        limiter = SlidingWindowLimiter(store: store, bucket: "vote")
    }

    /// Seconds to wait, or nil when a vote is allowed now (and counted).
    func admit(address: String, questionID: Int64, now: Date) async throws -> Int? {
        try await limiter.admit([("a:" + address, perAddress), ("q:\(questionID):" + address, perAddressAndQuestion)], now: now)
    }
}
