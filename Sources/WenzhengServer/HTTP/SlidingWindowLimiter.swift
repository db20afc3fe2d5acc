import Foundation
import Synchronization
import WenzhengCore

/// Counts attempts per key over sliding windows, in memory: a restart
/// forgets them, which errs on the citizen's side. Checking and counting
/// happen in one step, so parallel requests cannot all slip through.
///
/// Each key keeps its attempts oldest first and drops the expired ones
/// from the front, so an attempt costs the same however many the window
/// holds: with a limit raised for a load test, or many citizens behind one
/// address, one address can hold thousands (issue 13).
final class SlidingWindowLimiter: Sendable {
    /// One key's attempts still inside its window, oldest first.
    private struct Attempts {
        private var times: [Date] = []
        /// `times[..<start]` have left the window.
        private var start = 0

        var recent: ArraySlice<Date> { times[start...] }
        var isEmpty: Bool { start == times.count }

        mutating func dropExpired(_ policy: RateLimitPolicy, now: Date) {
            while start < times.count, !policy.isRecent(times[start], now: now) { start += 1 }
            // Reclaim the dropped front once it is most of the array.
            if start > 64, start * 2 > times.count {
                times.removeFirst(start)
                start = 0
            }
        }

        /// In time order, although concurrent requests read the clock
        /// before taking the lock and may arrive slightly out of order.
        mutating func insert(_ time: Date) {
            var index = times.endIndex
            while index > start, times[index - 1] > time { index -= 1 }
            times.insert(time, at: index)
        }

        mutating func remove(_ time: Date) -> Bool {
            guard let index = times[start...].lastIndex(of: time) else { return false }
            times.remove(at: index)
            return true
        }
    }

    private struct State {
        var attempts: [String: Attempts] = [:]
        var longestWindow: TimeInterval = 0
        /// The key count at which idle keys are next forgotten.
        var nextSweep = SlidingWindowLimiter.sweepThreshold
    }

    /// Past this many keys, keys with no attempt left in any window are
    /// forgotten, so the table cannot grow without bound.
    static let sweepThreshold = 50_000

    private let state = Mutex(State())

    /// Seconds to wait when any key is over its policy; otherwise nil, and
    /// the attempt is counted under every key.
    func admit(_ checks: [(key: String, policy: RateLimitPolicy)], now: Date) -> Int? {
        state.withLock { state in
            var waits: [Int] = []
            for check in checks {
                state.attempts[check.key]?.dropExpired(check.policy, now: now)
                if let wait = check.policy.retryAfter(recent: state.attempts[check.key]?.recent ?? [], now: now) {
                    waits.append(wait)
                }
            }
            if let wait = waits.max() { return wait }
            for check in checks {
                state.attempts[check.key, default: Attempts()].insert(now)
                state.longestWindow = max(state.longestWindow, check.policy.window)
            }
            if state.attempts.count >= state.nextSweep {
                let window = state.longestWindow
                state.attempts = state.attempts.filter { _, attempts in attempts.recent.contains { now.timeIntervalSince($0) < window } }
                // Sweep again only once the table has doubled: a table full
                // of active keys is not walked on every attempt.
                state.nextSweep = max(Self.sweepThreshold, 2 * state.attempts.count)
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
            guard var attempts = state.attempts.removeValue(forKey: key) else { return }
            _ = attempts.remove(time)
            if !attempts.isEmpty { state.attempts[key] = attempts }
        }
    }
}
