import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The interview changes every node commits, as this node hears them: a
/// long-lived `LISTEN` on `InterviewChangeNotice.channel`, each payload
/// parsed (anything else on the channel is ignored), and `resync` whenever
/// notices may have been missed.
///
/// It holds a connection of its own, not one of the pool's: a listening
/// session must stay open for the server's life, and the pool recycles
/// idle connections and lends busy ones to whoever asks.
///
/// PostgreSQL delivers a notification only to sessions listening when the
/// sending transaction commits; what is sent while this listener is not
/// connected is lost. So after every `LISTEN` takes effect (the first one
/// too: the node may have had viewers before it) the sequence yields
/// `resync`, and a reader catches every room up from the database, which
/// then misses nothing: whatever commits later arrives as a notice. A lost
/// connection is opened again with back-off; a connection that stops
/// answering (a network partition sends no reset) is noticed by a
/// periodic `SELECT 1` and dropped.
///
/// Each iteration opens its own connection; the connection closes when the
/// iteration ends (or its task is cancelled).
public struct PostgresChangeListener: AsyncSequence, Sendable {
    public typealias Element = InterviewChangeFeedEvent
    public typealias AsyncIterator = AsyncStream<InterviewChangeFeedEvent>.Iterator

    /// How long to wait before connecting again: doubling from `first` up
    /// to `maximum` while the database stays away, each wait shortened by
    /// a random part of up to half so that several nodes do not all
    /// knock at once.
    public struct Backoff: Sendable {
        public var first: Duration
        public var maximum: Duration

        public init(first: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
            self.first = first
            self.maximum = maximum
        }
    }

    public let location: PostgresLocation
    let logger: Logger
    let backoff: Backoff
    /// How often the listening connection is asked `SELECT 1`, and how
    /// long it has to answer before it counts as lost.
    let healthCheckInterval: Duration
    let healthCheckTimeout: Duration
    /// Events waiting for the reader at most. Past it, notices are dropped
    /// and a `resync` is owed, which goes out as soon as there is room.
    let bufferLimit: Int

    /// The `application_name` of the listening session, so an operator
    /// (or a test) can tell it in `pg_stat_activity`.
    public static let applicationName = "wenzheng-change-listener"

    public init(
        location: PostgresLocation, logger: Logger = Logger(label: "wenzheng.postgres.listener"), backoff: Backoff = Backoff(),
        healthCheckInterval: Duration = .seconds(30), healthCheckTimeout: Duration = .seconds(10), bufferLimit: Int = 10_000
    ) {
        self.location = location
        self.logger = logger
        self.backoff = backoff
        self.healthCheckInterval = healthCheckInterval
        self.healthCheckTimeout = healthCheckTimeout
        self.bufferLimit = bufferLimit
    }

    public func makeAsyncIterator() -> AsyncIterator {
        events().makeAsyncIterator()
    }

    /// Starts listening; the stream ends only when its reader goes away
    /// (which stops the listening and closes the connection).
    public func events() -> AsyncStream<InterviewChangeFeedEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: InterviewChangeFeedEvent.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        let outlet = FeedOutlet(continuation: continuation)
        let task = Task { [self] in
            await keepListening(into: outlet)
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Connects, listens, and starts again after a drop, until cancelled.
    private func keepListening(into outlet: FeedOutlet) async {
        var delay = backoff.first
        var dropped = false
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try connectionConfiguration(), id: Int.random(in: 1...Int(Int32.max)), logger: logger)
                do {
                    try await connection.listen(on: InterviewChangeNotice.channel) { notifications in
                        delay = backoff.first
                        if dropped { logger.info("interview change feed: listening again; live rooms catch up from the database") }
                        dropped = false
                        outlet.deliver(.resync)
                        try await follow(notifications, on: connection, into: outlet)
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
                if Task.isCancelled { return }
                logger.warning("interview change feed: the database ended the listening session")
            } catch {
                if Task.isCancelled { return }
                logger.warning("interview change feed: \(PostgresBackend.describe(error))")
            }
            dropped = true
            let pause = Self.jittered(delay)
            delay = Swift.min(delay * 2, backoff.maximum)
            do {
                try await Task.sleep(for: pause)
            } catch {
                return
            }
        }
    }

    /// Hands every notification on until the session ends or stops
    /// answering its health checks.
    private func follow(_ notifications: PostgresNotificationSequence, on connection: PostgresConnection, into outlet: FeedOutlet) async throws {
        let logger = self.logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await notification in notifications {
                    if let notice = InterviewChangeNotice(payload: notification.payload) {
                        outlet.deliver(.notice(notice))
                    } else {
                        logger.debug("interview change feed: ignored a payload that is no change notice", metadata: ["payload": "\(notification.payload.prefix(100))"])
                    }
                }
            }
            group.addTask { [healthCheckInterval, healthCheckTimeout] in
                while true {
                    try await Task.sleep(for: healthCheckInterval)
                    try await Self.check(connection, within: healthCheckTimeout, logger: logger)
                }
            }
            // Whichever ends first (the session closed, a check failed)
            // ends the other.
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// `SELECT 1` on the listening connection; one that does not answer in
    /// time is closed, which ends its notifications too.
    private static func check(_ connection: PostgresConnection, within timeout: Duration, logger: Logger) async throws {
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            logger.warning("interview change feed: the listening connection did not answer for \(timeout); closing it")
            try? await connection.close()
        }
        defer { watchdog.cancel() }
        _ = try await connection.query("SELECT 1", logger: logger)
    }

    private static func jittered(_ delay: Duration) -> Duration {
        delay * Double.random(in: 0.5...1.0)
    }

    /// The pool's settings (`PostgresBackend.connect`) for one connection.
    private func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let directory = location.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(location.port)", username: location.username, password: location.password,
                database: location.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS =
                switch location.tls {
                case .disable: .disable
                case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            configuration = .init(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", Self.applicationName)]
        return configuration
    }
}

/// Where the listener hands events to its reader. When the reader falls
/// `bufferLimit` events behind, notices are dropped; the `resync` then
/// owed is sent before the next event that fits, and catching up from the
/// database covers whatever was dropped.
private final class FeedOutlet: Sendable {
    let continuation: AsyncStream<InterviewChangeFeedEvent>.Continuation
    private let resyncOwed = Mutex(false)

    init(continuation: AsyncStream<InterviewChangeFeedEvent>.Continuation) {
        self.continuation = continuation
    }

    func deliver(_ event: InterviewChangeFeedEvent) {
        if resyncOwed.withLock({ $0 }) {
            guard case .enqueued = continuation.yield(.resync) else { return }
            resyncOwed.withLock { $0 = false }
            if event == .resync { return }
        }
        if case .dropped = continuation.yield(event) {
            resyncOwed.withLock { $0 = true }
        }
    }
}
