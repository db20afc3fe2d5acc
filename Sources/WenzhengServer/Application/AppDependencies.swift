import Logging
import WenzhengCore
import WenzhengStore

/// Everything the routes need, built once at start.
public struct AppDependencies: Sendable {
    public var configuration: AppConfiguration
    public var database: AppDatabase
    public var clock: any WallClock
    public var logger: Logger
    /// The word lists and rules from the Moderation/ folder.
    public var moderation: ModerationLibrary
    public var hub: LiveHub
    /// The Prometheus metrics (Server/Metrics), served on their own listener.
    /// The database reports its commit timings to them (to the last
    /// dependencies made for it, when a test makes several).
    public var metrics: ServerMetrics

    public init(
        configuration: AppConfiguration, database: AppDatabase, moderation: ModerationLibrary, clock: any WallClock = SystemClock(),
        hub: LiveHub? = nil, metrics: ServerMetrics = ServerMetrics(), logger: Logger
    ) {
        self.configuration = configuration
        self.database = database
        self.moderation = moderation
        self.clock = clock
        // The hub holds the live limits, so it is made from the configuration
        // unless a test passes its own.
        self.hub = hub ?? LiveHub(configuration: configuration)
        self.metrics = metrics
        database.reportCommitTimings(to: metrics)
        // The configured level wins over the one the logger came with.
        var logger = logger
        logger.logLevel = configuration.logLevel
        self.logger = logger
    }
}
