import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The server's threads for CPU-costly work (bcrypt), at the lowest
/// scheduling priority (nice 19), so that the work runs on whatever CPU
/// the event loops leave idle and never delays them: a live interview's
/// fan-out keeps its latency while a flood of letters from many addresses
/// keeps the hashing busy (Benchmarks/flood-load measured viewers' p99
/// rising several-fold while two bcrypt threads competed with the event
/// loops at the same priority). `CostlyWorkLimit` still bounds the work
/// running and waiting; starved work waits in its queue, and the queue's
/// overflow is answered 503 with Retry-After.
///
/// On Linux the nice value belongs to the thread (`setpriority` with
/// `PRIO_PROCESS` and who = 0 changes the calling thread only), so only
/// this pool's threads are lowered. An unprivileged process may raise its
/// nice value but not lower it back, hence a pool of its own rather than
/// `NIOThreadPool.singleton`.
enum CostlyWorkThreads {
    static let niceness: Int32 = 19

    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: System.coreCount)
        pool.start()
        return pool
    }()

    /// Runs `work` on one of the pool's threads, lowered first (once per
    /// thread; the call is cheap and idempotent).
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive {
            lowerPriority()
            return try work()
        }
    }

    static func lowerPriority() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}
