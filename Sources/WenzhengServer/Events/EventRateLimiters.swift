import Foundation
import WenzhengCore
import WenzhengStore

/// The open days' limits per client address, counted in the database
/// (`SlidingWindowLimiter`; docs/security.md): registrations, and guesses of confirmation codes.
struct EventRateLimiters: Sendable {
    /// Registrations one address may send (`--event-registration-limit`).
    let registrations: RateLimitPolicy
    /// Failed code guesses one address may make (`--event-code-limit`).
    let codeGuesses: RateLimitPolicy
    private let limiter: SlidingWindowLimiter

    init(registrations: RateLimitPolicy, codeGuesses: RateLimitPolicy, store: any RateLimitStore) {
        self.registrations = registrations
        self.codeGuesses = codeGuesses
        limiter = SlidingWindowLimiter(store: store, bucket: "open-day")
    }

    /// Seconds to wait, or nil when a registration is allowed now (and counted).
    func admitRegistration(address: String, now: Date) async throws -> Int? {
        try await limiter.admit([("register:" + address, registrations)], now: now)
    }

    /// Seconds to wait, or nil when the address may try a code now. The
    /// attempt is counted at once; `forgiveCode` takes it back when the
    /// code turns out to belong to a registration, so only guesses that
    /// miss count, and parallel guesses cannot all slip past the check.
    func admitCode(address: String, now: Date) async throws -> Int? {
        try await limiter.admit([("code:" + address, codeGuesses)], now: now)
    }

    func forgiveCode(address: String, admittedAt now: Date) async {
        await limiter.forgive("code:" + address, admittedAt: now)
    }
}
