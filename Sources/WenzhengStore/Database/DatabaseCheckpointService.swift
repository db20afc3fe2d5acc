import Logging
import ServiceLifecycle

/// Lives as long as the server. When the service group shuts down (SIGINT,
/// SIGTERM) it checkpoints the WAL into the main file. It is registered
/// before the HTTP server, and service groups stop in reverse order, so
/// in-flight requests have finished by the time it runs.
public struct DatabaseCheckpointService: Service {
    let database: AppDatabase
    let logger: Logger

    public init(database: AppDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func run() async throws {
        // Wait for shutdown; cancellation also ends the wait.
        try? await gracefulShutdown()
        do {
            try database.checkpoint()
            logger.info("database checkpointed")
        } catch {
            logger.error("WAL checkpoint at shutdown failed: \(error)")
        }
    }
}
