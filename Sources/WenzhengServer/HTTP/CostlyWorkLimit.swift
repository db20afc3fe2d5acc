import HTTPTypes
import Synchronization

/// A global cap on one kind of CPU-costly work (bcrypt hashing, letter
/// search): at most `concurrent` run at once and at most `queued` wait;
/// beyond that a request is answered 503 with `Retry-After` at once instead
/// of piling up (docs/security.md, "Costly requests").
///
/// Why: a flood from many addresses trips no per-address limit, and 2
/// cores are pinned by about 32 letters a second (62 ms of bcrypt each) or
/// 17 costly searches a second; unbounded, the queue would grow until every
/// request, the live interview's included, waited behind it.
///
/// Lock rule (docs/live-protocol.md): `state` is held only to read or
/// change the counts and the queue; waiters are resumed after it is
/// released.
final class CostlyWorkLimit: Sendable {
    /// What the work is, for the 503's detail.
    let name: String
    let concurrent: Int
    let queued: Int
    /// Seconds a refused client is told to wait.
    let retryAfter: Int
    /// How long one piece of work may run once admitted; past it the work is
    /// cancelled (GRDB interrupts the statement that runs) and the client
    /// gets 503. Nil for work that cancellation cannot stop (bcrypt).
    let timeLimit: Duration?
    /// What a client whose work ran out of time is told.
    let tooSlowAdvice: String

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var running = 0
        var waiting: [Waiter] = []
        var nextID: UInt64 = 0
        var refused = 0
        var timedOut = 0
    }

    private let state = Mutex(State())

    init(
        name: String, concurrent: Int, queued: Int, retryAfter: Int = 5, timeLimit: Duration? = nil,
        tooSlowAdvice: String = "try again later"
    ) {
        precondition(concurrent > 0 && queued >= 0)
        precondition(timeLimit.map { $0 > .zero } ?? true)
        self.name = name
        self.concurrent = concurrent
        self.queued = queued
        self.retryAfter = retryAfter
        self.timeLimit = timeLimit
        self.tooSlowAdvice = tooSlowAdvice
    }

    /// Runs `work` when a place is free; throws 503 when the queue is full,
    /// or when the work outlives `timeLimit`. The place is held until the
    /// cancelled work has really stopped, so a slow query cannot be
    /// replaced by the next one while it still runs.
    func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        guard let timeLimit else { return try await work() }
        let finished: T? = try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: timeLimit)
                return nil
            }
            defer { group.cancelAll() }
            // The first to finish decides; nil is the clock.
            return try await group.next() ?? nil
        }
        guard let finished else {
            state.withLock { $0.timedOut += 1 }
            throw Problem(
                kind: .serviceUnavailable, detail: "\(name) took too long and were stopped; \(tooSlowAdvice)",
                headers: [.retryAfter: String(retryAfter)])
        }
        return finished
    }

    /// Work running and waiting now, and how many were refused or stopped
    /// for time so far.
    var counts: (running: Int, waiting: Int, refused: Int, timedOut: Int) {
        state.withLock { ($0.running, $0.waiting.count, $0.refused, $0.timedOut) }
    }

    private enum Admission {
        case run, wait(UInt64), refuse
    }

    private func acquire() async throws {
        let admission: Admission = state.withLock { state in
            if state.running < concurrent {
                state.running += 1
                return .run
            }
            guard state.waiting.count < queued else {
                state.refused += 1
                return .refuse
            }
            state.nextID += 1
            return .wait(state.nextID)
        }
        switch admission {
        case .run:
            return
        case .refuse:
            throw Problem(
                kind: .serviceUnavailable, detail: "the server is busy with \(name); try again in a few seconds",
                headers: [.retryAfter: String(retryAfter)])
        case .wait(let id):
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let cancelled = state.withLock { state in
                        if Task.isCancelled { return true }
                        state.waiting.append(Waiter(id: id, continuation: continuation))
                        return false
                    }
                    if cancelled { continuation.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> Waiter? in
                    guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiting.remove(at: index)
                }
                waiter?.continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// Hands the place to the longest waiter, or frees it.
    private func release() {
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            // The place passes on: `running` stays the same.
            return state.waiting.removeFirst()
        }
        next?.continuation.resume()
    }
}
