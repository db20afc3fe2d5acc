import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The PostgreSQL backend's connection pool: what every PostgreSQL store
/// (`Postgres<Feature>Store`) runs its transactions on. One per process;
/// several server nodes share one database through it.
///
/// Transactions:
/// - `write` runs the body in one SERIALIZABLE transaction and runs it
///   again from the start when PostgreSQL reports a serialization failure
///   or a deadlock. SQLite gives each write transaction the whole database
///   to itself; SERIALIZABLE is how PostgreSQL keeps that promise with
///   concurrent writers (two nodes posting to one interview both reading
///   the next `seq`), so the stores' read-then-write rules hold unchanged.
///   The body must therefore do nothing outside the database.
/// - `read` runs the body in one REPEATABLE READ, READ ONLY transaction: one
///   snapshot, as a SQLite read transaction sees.
public final class PostgresBackend: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>

    /// How many times `write` runs a transaction that keeps losing to
    /// concurrent ones before giving up with the last error.
    static let maximumAttempts = 30

    private init(location: PostgresLocation, client: PostgresClient, logger: Logger) {
        self.location = location
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Connects, checks that the server answers, and brings the schema up
    /// to date (`PostgresMigrations`), under an advisory lock so that two
    /// nodes starting together migrate once.
    ///
    /// - Throws: `StoreError.cannotOpen` with the reason in one line;
    ///   `StoreError.newerSchema` when a newer Wenzheng migrated the database.
    public static func connect(
        to location: PostgresLocation, logger: Logger = Logger(label: "wenzheng.postgres"), maximumConnections: Int = 20,
        idleTimeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10), migrate: Bool = true
    ) async throws -> PostgresBackend {
        // One direct connection first: a wrong database name, user or
        // password, or a closed port, fails here at once with the server's
        // own words, where the pool would go on retrying in silence.
        if let reason = await ConnectionErrors().reason(connecting: location, logger: logger) {
            throw StoreError.cannotOpen(path: location.description, reason: reason)
        }
        var configuration: PostgresClient.Configuration
        let tls: PostgresClient.Configuration.TLS =
            switch location.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        if let directory = location.socketDirectory {
            configuration = PostgresClient.Configuration(
                unixSocketPath: "\(directory)/.s.PGSQL.\(location.port)", username: location.username, password: location.password,
                database: location.database)
        } else {
            configuration = PostgresClient.Configuration(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: tls)
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectionIdleTimeout = idleTimeout
        configuration.options.connectTimeout = connectTimeout
        let backend = PostgresBackend(
            location: location, client: PostgresClient(configuration: configuration, backgroundLogger: logger), logger: logger)
        do {
            try await backend.firstAnswer(within: connectTimeout)
            if migrate { try await backend.migrate() }
        } catch let error as StoreError {
            await backend.close()
            throw error
        } catch {
            await backend.close()
            throw StoreError.cannotOpen(path: location.description, reason: PostgresBackend.describe(error))
        }
        return backend
    }

    /// Waits for the server's first answer. The pool itself keeps trying to
    /// connect for as long as a request waits, so a wrong address would
    /// hang the start; this gives up after `timeout` with the pool's last
    /// connection error, which the pool reports only to its logger.
    private func firstAnswer(within timeout: Duration) async throws {
        let errors = ConnectionErrors()
        let probe = Task {
            try await self.read { transaction in _ = try await transaction.scalar("SELECT 1", as: Int.self) }
        }
        let deadline = Task {
            try await Task.sleep(for: timeout)
            probe.cancel()
        }
        defer { deadline.cancel() }
        do {
            try await probe.value
        } catch {
            // A direct connection attempt says why in one line.
            throw StoreError.cannotOpen(
                path: location.description, reason: await errors.reason(connecting: location, logger: logger) ?? Self.describe(error))
        }
    }

    /// Closes every connection; calls after it fail.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    /// `close()`, waiting at most `limit`: false when the pool had not
    /// closed every connection by then. For a process about to exit, whose
    /// work is done: PostgreSQL ends the sessions of a client that went
    /// away. (Once, a server's pool did not finish closing after all its
    /// services had stopped; docs/deployment.md, "Stopping".)
    public func close(within limit: Duration) async -> Bool {
        runner.cancel()
        let runner = self.runner
        // Whichever comes first: the pool closed, or the limit.
        let (outcomes, outcome) = AsyncStream.makeStream(of: Bool.self)
        Task {
            await runner.value
            outcome.yield(true)
        }
        Task {
            try? await Task.sleep(for: limit)
            outcome.yield(false)
        }
        for await closed in outcomes { return closed }
        return false
    }

    /// One line for an operator: the server's message and SQLSTATE, or the
    /// connection failure.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverMessage {
                return "\(message) (SQLSTATE \(error.sqlState ?? "?"))"
            }
            if let underlying = error.underlying {
                return "\(error.code): \(underlying)"
            }
            return "\(error.code)"
        }
        return "\(error)"
    }

    /// Runs `body` in one read-only snapshot.
    func read<T: Sendable>(_ body: @Sendable (PostgresTransaction) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            let transaction = PostgresTransaction(connection: connection, logger: logger)
            try await transaction.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let result = try await body(transaction)
                try await transaction.execute("COMMIT")
                return result
            } catch {
                try? await transaction.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` in one SERIALIZABLE transaction, again from the start
    /// after a serialization failure or deadlock, with a random pause that
    /// grows with each attempt (up to 100 ms), so that many writers of one
    /// row spread out instead of colliding again in step.
    func write<T: Sendable>(_ body: @Sendable (PostgresTransaction) async throws -> T) async throws -> T {
        try await write(queuedOn: nil, body)
    }

    /// Which writers queue behind each other: an advisory lock's two keys.
    struct WriterQueue: Sendable {
        var lockClass: Int32
        var key: Int32
    }

    /// `write`, with the writers of one hot row queued on a session
    /// advisory lock taken before `BEGIN` (`queue`), so that the snapshot is
    /// taken after the wait and sees the previous writer's commit instead
    /// of losing to it. Writers that do not queue are still kept apart by
    /// SERIALIZABLE and the retry.
    func write<T: Sendable>(queuedOn queue: WriterQueue?, _ body: @Sendable (PostgresTransaction) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    let transaction = PostgresTransaction(connection: connection, logger: logger)
                    if let queue { try await transaction.execute("SELECT pg_advisory_lock(\(queue.lockClass), \(queue.key))") }
                    do {
                        try await transaction.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
                        let result: T
                        do {
                            result = try await body(transaction)
                            try await transaction.execute("COMMIT")
                        } catch {
                            try? await transaction.execute("ROLLBACK")
                            throw error
                        }
                        if let queue { try await transaction.execute("SELECT pg_advisory_unlock(\(queue.lockClass), \(queue.key))") }
                        return result
                    } catch {
                        // A broken connection takes its session lock with it.
                        if let queue { try? await transaction.execute("SELECT pg_advisory_unlock(\(queue.lockClass), \(queue.key))") }
                        throw error
                    }
                }
            } catch let error as PSQLError where error.isRetryableTransactionFailure && attempt < Self.maximumAttempts {
                attempt += 1
                let ceiling = min(100_000, 250 << min(attempt, 9))
                try await Task.sleep(for: .microseconds(Int.random(in: 100...ceiling)))
            }
        }
    }

    /// Runs `body` on a connection outside any transaction (DDL that
    /// cannot run in one, `LISTEN`).
    func withConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection) }
    }
}

/// Why the server cannot be reached, from one direct connection attempt
/// (without TLS: a refused or unreachable port says the same either way).
private struct ConnectionErrors {
    func reason(connecting location: PostgresLocation, logger: Logger) async -> String? {
        guard location.tls != .require else { return nil }
        let configuration: PostgresConnection.Configuration
        if let directory = location.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(location.port)", username: location.username, password: location.password,
                database: location.database)
        } else {
            configuration = .init(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: .disable)
        }
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch {
            return PostgresBackend.describe(error)
        }
    }
}

// MARK: - Schema

extension PostgresBackend {
    /// The identifiers of the migrations this database has run.
    func appliedMigrations() async throws -> Set<String> {
        try await read { transaction in
            let exists = try await transaction.scalar(
                "SELECT to_regclass('wenzheng_migrations') IS NOT NULL", as: Bool.self) ?? false
            guard exists else { return [] }
            return Set(try await transaction.rows("SELECT identifier FROM wenzheng_migrations").map { try $0.value("identifier", as: String.self) })
        }
    }

    /// Runs the migrations this database has not run, all in one
    /// transaction (PostgreSQL's DDL is transactional: a failed step leaves
    /// the schema as it was).
    func migrate(_ migrations: [PostgresMigration] = PostgresMigrations.all) async throws {
        let known = Set(migrations.map(\.identifier))
        let unknown = try await appliedMigrations().subtracting(known)
        if !unknown.isEmpty { throw StoreError.newerSchema(unknownMigrations: unknown.sorted()) }
        try await write { transaction in
            // Two nodes starting at once: the second waits here, then finds
            // every migration applied.
            try await transaction.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))")
            try await transaction.execute(
                """
                CREATE TABLE IF NOT EXISTS wenzheng_migrations (
                    identifier TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """)
            let applied = Set(try await transaction.rows("SELECT identifier FROM wenzheng_migrations").map { try $0.value("identifier", as: String.self) })
            for migration in migrations where !applied.contains(migration.identifier) {
                for statement in migration.statements {
                    try await transaction.execute(PostgresQuery(unsafeSQL: statement))
                }
                try await transaction.execute("INSERT INTO wenzheng_migrations (identifier) VALUES (\(migration.identifier))")
            }
        }
    }

    /// The advisory lock key of migrations ("WZMG").
    static let migrationLockKey: Int64 = 0x575A_4D47
}

// MARK: - Databases on the same server

extension PostgresBackend {
    /// Creates a database on this server (`migrate-to-postgres --create`,
    /// the test cluster), optionally as a copy of `template`.
    func createDatabase(_ name: String, template: String? = nil) async throws {
        let sql = "CREATE DATABASE \(PostgresTransaction.quoted(name))" + (template.map { " TEMPLATE \(PostgresTransaction.quoted($0))" } ?? "")
        try await withConnection { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: self.logger)
        }
    }

    /// Drops a database on this server; fails while anyone is connected.
    func dropDatabase(_ name: String) async throws {
        try await withConnection { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(PostgresTransaction.quoted(name))"), logger: self.logger)
        }
    }
}

extension PostgresBackend {
    /// Creates an empty database on the server `location` points at
    /// (connecting to `location`'s own database to do it): for test
    /// harnesses and tools that need a fresh database.
    public static func createDatabase(named name: String, on location: PostgresLocation, logger: Logger = Logger(label: "wenzheng.postgres"))
        async throws
    {
        let maintenance = try await connect(to: location, logger: logger, maximumConnections: 1, migrate: false)
        do {
            try await maintenance.createDatabase(name)
        } catch {
            await maintenance.close()
            throw StoreError.cannotOpen(path: location.database(name).description, reason: describe(error))
        }
        await maintenance.close()
    }
}
