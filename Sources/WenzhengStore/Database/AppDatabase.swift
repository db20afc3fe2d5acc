import Foundation
import PostgresNIO
import GRDB
import Logging
import WenzhengCore

/// The one door to Wenzheng's storage. It owns the connection pool and the
/// schema (`Migrations.swift`), and hands out one store per feature
/// (`database.mailbox.submitLetter(…)`, `database.interviews.postEntry(…)`),
/// each a contract of intention-named methods, one transaction each. The
/// HTTP and CLI layers call those and never write SQL.
///
/// Every query goes through GRDB's query interface or plain SQL that
/// PostgreSQL also accepts, so that a second backend can implement the same
/// contracts when a deployment outgrows one machine.
public struct AppDatabase: Sendable {
    /// Where the data lives: the embedded SQLite file (one machine), or a
    /// PostgreSQL database shared by several server nodes (issue 16). The
    /// stores below are that backend's implementations of one contract each.
    public enum Backend: Sendable {
        case sqlite(any DatabaseWriter)
        case postgres(PostgresBackend)
    }

    public let backend: Backend

    /// The SQLite connection, for the query helpers of this module and for
    /// tests that inspect the raw schema. Only an SQLite database has one.
    public var writer: any DatabaseWriter {
        guard case .sqlite(let writer) = backend else {
            preconditionFailure("raw SQLite access to a PostgreSQL database")
        }
        return writer
    }

    public var reader: any DatabaseReader { writer }

    public let accounts: any AccountsStore
    public let audit: any AuditStore
    public let calendar: any CalendarStore
    public let moderation: any ModerationStore
    public let interviews: any InterviewsStore
    public let mailbox: any MailboxStore
    public let surveys: any SurveysStore
    public let consultations: any ConsultationsStore
    public let notifications: any NotificationsStore
    public let events: any EventsStore
    public let secrets: any ServerSecretStore
    public let privacy: any PrivacyStore
    public let rateLimits: any RateLimitStore

    /// Where the writer's commit timings go (`reportCommitTimings(to:)`).
    let commitTiming: CommitTiming

    /// The SQLite file, or nil for an in-memory or PostgreSQL database.
    public var filePath: String? {
        guard case .sqlite(let writer) = backend else { return nil }
        return (writer as? DatabasePool)?.path
    }

    /// The SQLite schema's history (`Migrations`).
    static var migrator: DatabaseMigrator { Migrations.migrator }

    /// One store per feature, as a backend implements them.
    struct Stores: Sendable {
        var accounts: any AccountsStore
        var audit: any AuditStore
        var calendar: any CalendarStore
        var moderation: any ModerationStore
        var interviews: any InterviewsStore
        var mailbox: any MailboxStore
        var surveys: any SurveysStore
        var consultations: any ConsultationsStore
        var notifications: any NotificationsStore
        var events: any EventsStore
        var secrets: any ServerSecretStore
        var privacy: any PrivacyStore
        var rateLimits: any RateLimitStore
    }

    init(backend: Backend, stores: Stores, commitTiming: CommitTiming) {
        self.backend = backend
        self.commitTiming = commitTiming
        accounts = stores.accounts
        audit = stores.audit
        calendar = stores.calendar
        moderation = stores.moderation
        interviews = stores.interviews
        mailbox = stores.mailbox
        surveys = stores.surveys
        consultations = stores.consultations
        notifications = stores.notifications
        events = stores.events
        secrets = stores.secrets
        privacy = stores.privacy
        rateLimits = stores.rateLimits
    }

    /// Opens an existing connection and brings its schema up to date.
    ///
    /// - Throws: `StoreError.newerSchema` when the file was written by a newer
    ///   Wenzheng, rather than migrating it into a state neither version knows.
    /// - Parameter noticeLinks: the site's public address, for the links
    ///   in letter notices (`wenzheng serve --base-url`).
    public init(_ writer: any DatabaseWriter, noticeLinks: LetterNoticeLinks = .localDefault) throws {
        try self.init(writer, commitTiming: CommitTiming(), noticeLinks: noticeLinks)
    }

    init(_ writer: any DatabaseWriter, commitTiming: CommitTiming, noticeLinks: LetterNoticeLinks = .localDefault) throws {
        self.init(backend: .sqlite(writer), stores: Self.sqliteStores(writer, noticeLinks: noticeLinks), commitTiming: commitTiming)
        let migrator = Self.migrator
        let superseded = try writer.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            let unknown = try writer.read { db in
                try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
            }
            throw StoreError.newerSchema(unknownMigrations: unknown)
        }
        try migrator.migrate(writer)
    }

    /// The GRDB stores over one SQLite connection.
    static func sqliteStores(_ writer: any DatabaseWriter, noticeLinks: LetterNoticeLinks) -> Stores {
        let interviews = GRDBInterviewsStore(writer: writer)
        let mailbox = GRDBMailboxStore(writer: writer, links: noticeLinks)
        let surveys = GRDBSurveysStore(writer: writer)
        let consultations = GRDBConsultationsStore(writer: writer)
        return Stores(
            accounts: GRDBAccountsStore(writer: writer),
            audit: GRDBAuditStore(writer: writer),
            // Features that react to another's changes do so in its transaction.
            calendar: GRDBCalendarStore(writer: writer, dependents: [interviews, mailbox]),
            moderation: GRDBModerationStore(writer: writer, subjects: [interviews, mailbox, surveys, consultations]),
            interviews: interviews,
            mailbox: mailbox,
            surveys: surveys,
            consultations: consultations,
            notifications: GRDBNotificationsStore(writer: writer),
            events: GRDBEventsStore(writer: writer),
            secrets: GRDBServerSecretStore(writer: writer),
            privacy: GRDBPrivacyStore(writer: writer),
            rateLimits: GRDBRateLimitStore(writer: writer))
    }
}

extension AppDatabase {
    /// Opens (creating if needed) the embedded SQLite database at `path`, in
    /// WAL mode with `synchronous=FULL`: a letter a citizen was told is
    /// received must survive a power cut, which NORMAL does not promise.
    public static func openFile(
        atPath path: String, logger: Logger? = nil, noticeLinks: LetterNoticeLinks = .localDefault
    ) throws -> AppDatabase {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "cannot create directory \(directory.path): \(Self.describe(error))")
        }
        guard FileManager.default.isWritableFile(atPath: directory.path) else {
            throw StoreError.cannotOpen(path: path, reason: "directory \(directory.path) is not writable")
        }
        if FileManager.default.fileExists(atPath: path), !FileManager.default.isWritableFile(atPath: path) {
            throw StoreError.cannotOpen(path: path, reason: "file is not writable")
        }
        let pool: DatabasePool
        let commitTiming = CommitTiming()
        do {
            pool = try DatabasePool(path: path, configuration: makeConfiguration(logger: logger, commitTiming: commitTiming))
        } catch {
            throw StoreError.cannotOpen(path: path, reason: describe(error))
        }
        do {
            return try AppDatabase(pool, commitTiming: commitTiming, noticeLinks: noticeLinks)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotOpen(path: path, reason: describe(error))
        }
    }

    /// A private in-memory database, for unit tests of rules that need storage.
    public static func inMemory(noticeLinks: LetterNoticeLinks = .localDefault) throws -> AppDatabase {
        let commitTiming = CommitTiming()
        let queue = try DatabaseQueue(configuration: makeConfiguration(logger: nil, commitTiming: commitTiming))
        return try AppDatabase(queue, commitTiming: commitTiming, noticeLinks: noticeLinks)
    }

    /// Sends the time each write transaction's commit takes to `observer`
    /// (the server's metrics). Only databases opened by `openFile` or
    /// `inMemory` time their commits.
    public func reportCommitTimings(to observer: (any CommitTimingObserver)?) {
        commitTiming.report(to: observer)
    }

    static func makeConfiguration(logger: Logger?, commitTiming: CommitTiming? = nil) -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Writers wait instead of failing with SQLITE_BUSY when the CLI and
        // the server touch the same file.
        configuration.busyMode = .timeout(5)
        configuration.label = "wenzheng"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Deleted content is overwritten, not left in free pages: a
            // destroyed survey secret or purged personal data is gone.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            commitTiming?.install(on: db)
        }
        if let logger, logger.logLevel <= .trace {
            configuration.prepareDatabase { db in
                db.trace { logger.trace("\($0)") }
            }
        }
        return configuration
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        if let error = error as? CocoaError, let path = error.filePath {
            return "\(error.code) at \(path)"
        }
        return "\(error)"
    }

    /// Answers whether the database can serve a read, for `/readyz`.
    public func ping() async throws {
        switch backend {
        case .sqlite(let writer):
            _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        case .postgres(let postgres):
            _ = try await postgres.read { transaction in try await transaction.scalar("SELECT 1", as: Int.self) }
        }
    }

    /// Closes a PostgreSQL backend's connections (an SQLite connection
    /// closes when the last copy of the database goes away).
    public func close() async {
        if case .postgres(let postgres) = backend { await postgres.close() }
    }

    /// `close()`, waiting at most `limit`; false when a PostgreSQL pool
    /// had not closed by then (`PostgresBackend.close(within:)`).
    public func close(within limit: Duration) async -> Bool {
        guard case .postgres(let postgres) = backend else { return true }
        return await postgres.close(within: limit)
    }

    /// Moves the WAL's contents into the main file and truncates the WAL, so
    /// a stopped server leaves one self-contained file behind for backup.
    public func checkpoint() throws {
        guard case .sqlite(let writer) = backend, let pool = writer as? DatabasePool else { return }
        try pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
    }

    /// The journal mode and synchronous level in force, for diagnostics.
    public func durabilitySettings() throws -> (journalMode: String, synchronous: Int) {
        try writer.read { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "unknown"
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            return (mode, synchronous)
        }
    }
}
