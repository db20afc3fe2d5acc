import Foundation
import Synchronization
import WenzhengCore

/// Counts attempts per key over sliding windows, in memory: a restart
/// forgets them, which errs on the citizen's side. Checking and counting
/// happen in one step, so parallel requests cannot all slip through.
final class SlidingWindowLimiter: Sendable {
    private struct State {
        var history: [String: [Date]] = [:]
        var longestWindow: TimeInterval = 0
    }
    private let state = Mutex(State())

    /// Seconds to wait when any key is over its policy; otherwise nil, and
    /// the attempt is counted under every key.
    func admit(_ checks: [(key: String, policy: RateLimitPolicy)], now: Date) -> Int? {
        state.withLock { state in
            let waits = checks.compactMap { check in
                check.policy.retryAfter(previous: state.history[check.key] ?? [], now: now)
            }
            if let wait = waits.max() { return wait }
            for check in checks {
                var times = (state.history[check.key] ?? []).filter { now.timeIntervalSince($0) < check.policy.window }
                times.append(now)
                state.history[check.key] = times
                state.longestWindow = max(state.longestWindow, check.policy.window)
            }
            // Forget idle clients so the table cannot grow without bound.
            if state.history.count > 50_000 {
                let window = state.longestWindow
                state.history = state.history.filter { _, times in times.contains { now.timeIntervalSince($0) < window } }
            }
            return nil
        }
    }

    /// Takes back one attempt admitted under `key` at `time`, for limits
    /// that count only failures: every attempt is admitted (and counted)
    /// first, so parallel attempts cannot all pass before the first
    /// failure is known, and an attempt found to be no failure is forgiven.
    func forgive(_ key: String, admittedAt time: Date) {
        state.withLock { state in
            guard var times = state.history[key], let index = times.lastIndex(of: time) else { return }
            times.remove(at: index)
            state.history[key] = times.isEmpty ? nil : times
        }
    }
}
