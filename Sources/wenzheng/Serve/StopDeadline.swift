import Foundation
import Logging
import ServiceLifecycle

/// Ends the process when a graceful stop has not finished within `limit`
/// of SIGTERM, with an error in the log.
///
/// A graceful stop closes the live sockets with 1001, finishes the request
/// or notice in hand and closes the database; on this machine it takes a
/// fraction of a second. One that hangs (once, in CI, a server on
/// PostgreSQL did not stop within 10 s after the browser tests: its pool
/// did not finish closing, docs/deployment.md, "Stopping") would otherwise
/// hold a restart until the supervisor's own kill, with nothing in the log
/// to say why. What is
/// committed stays committed: both databases are durable at each commit.
struct StopDeadline: Service {
    /// Below the 10 s that systemd's and the tests' stops allow before
    /// they kill.
    static let defaultLimit: Duration = .seconds(8)

    let limit: Duration
    let logger: Logger

    func run() async throws {
        // Returns when the stop begins (or throws when cancelled: then the
        // group is going away for another reason, and there is nothing to
        // watch).
        guard (try? await gracefulShutdown()) != nil else { return }
        let limit = limit
        let logger = logger
        logger.info("stopping: live sockets are closed, work in hand is finished")
        Task.detached {
            try? await Task.sleep(for: limit)
            logger.error("the graceful stop did not finish within \(limit); exiting now (exit status 70)")
            exit(70)
        }
    }
}
