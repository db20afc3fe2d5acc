import Foundation
import Logging
import GRDB
import PostgresNIO
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// The backends every store contract test runs on (issue 16): SQLite
/// always, and PostgreSQL when `WENZHENG_TEST_POSTGRES_URL` names a server
/// to create databases in (`script/test` starts a throwaway cluster with
/// `script/with-postgres` and sets it). Under CI the URL is required
/// (`PostgresTestClusterTests`), so the PostgreSQL half cannot be skipped
/// unnoticed.
enum StoreBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static let underTest: [StoreBackend] = PostgresTestCluster.url == nil ? [.sqlite] : [.sqlite, .postgres]

    var testDescription: String { rawValue }

    /// A fresh, empty, migrated database of this backend: in memory (or a
    /// temporary file) for SQLite, a new database in the test cluster for
    /// PostgreSQL.
    func makeDatabase(onFile: Bool = false, noticeLinks: LetterNoticeLinks = .localDefault) async throws -> AppDatabase {
        switch self {
        case .sqlite:
            if onFile {
                let file = try TemporaryDatabase()
                TemporaryDatabase.keepAlive(file)
                return file.database
            }
            return try AppDatabase.inMemory(noticeLinks: noticeLinks)
        case .postgres:
            let backend = try await PostgresTestCluster.shared.makeDatabase()
            return AppDatabase.postgres(backend, noticeLinks: noticeLinks)
        }
    }
}

extension TemporaryDatabase {
    /// Keeps a file database for the rest of the run: the test holds only
    /// the `AppDatabase`, not the directory's owner.
    static func keepAlive(_ file: TemporaryDatabase) { _ = Unmanaged.passRetained(file) }
}

/// The test cluster: one migrated template database, copied for each test
/// (`CREATE DATABASE … TEMPLATE`, a file copy, much faster than migrating).
actor PostgresTestCluster {
    static let shared = PostgresTestCluster()

    static var url: PostgresLocation? {
        guard let text = ProcessInfo.processInfo.environment["WENZHENG_TEST_POSTGRES_URL"], !text.isEmpty else { return nil }
        do {
            return try PostgresLocation(url: text)
        } catch {
            fatalError("WENZHENG_TEST_POSTGRES_URL: \(error)")
        }
    }

    // Tasks, not values: the actor runs other calls while one awaits, and
    // every test starting at once must share one maintenance pool and one
    // template rather than each making its own.
    private var maintenance: Task<PostgresBackend, any Error>?
    private var template: Task<String, any Error>?
    private var created: [(name: String, at: ContinuousClock.Instant)] = []
    private let logger = Logger(label: "wenzheng.tests.postgres")

    private func maintenanceBackend() async throws -> PostgresBackend {
        if let maintenance { return try await maintenance.value }
        let logger = logger
        let task = Task { () async throws -> PostgresBackend in
            guard let url = Self.url else { throw StoreError.cannotOpen(path: "WENZHENG_TEST_POSTGRES_URL", reason: "not set") }
            return try await PostgresBackend.connect(to: url.database("postgres"), logger: logger, maximumConnections: 4, migrate: false)
        }
        maintenance = task
        return try await task.value
    }

    private func templateDatabase() async throws -> String {
        if let template { return try await template.value }
        let maintenance = try await maintenanceBackend()
        if let template { return try await template.value }
        let logger = logger
        let task = Task { () async throws -> String in
            let name = "wz_template_\(UUID().uuidString.prefix(8).lowercased())"
            try await maintenance.createDatabase(name)
            let migrating = try await PostgresBackend.connect(to: maintenance.location.database(name), logger: logger, maximumConnections: 1)
            await migrating.close()
            return name
        }
        template = task
        return try await task.value
    }

    /// A new migrated database and a pool on it that lets idle connections
    /// go after a second, so finished tests hold no server connections.
    func makeDatabase() async throws -> PostgresBackend {
        let template = try await templateDatabase()
        let maintenance = try await maintenanceBackend()
        await dropOldDatabases(maintenance)
        let name = "wz_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        try await maintenance.createDatabase(name, template: template)
        created.append((name, .now))
        return try await PostgresBackend.connect(
            to: maintenance.location.database(name), logger: logger, maximumConnections: 8, idleTimeout: .seconds(1), migrate: false)
    }

    /// Drops databases made more than five minutes ago that nobody is
    /// connected to any more (a database still in use refuses the drop and
    /// is tried again later), so a long run does not fill the disk.
    private func dropOldDatabases(_ maintenance: PostgresBackend) async {
        let old = created.filter { $0.at.duration(to: .now) > .seconds(300) }
        guard !old.isEmpty else { return }
        for database in old {
            let dropped = (try? await maintenance.dropDatabase(database.name)) != nil
            if dropped { created.removeAll { $0.name == database.name } }
        }
    }
}

/// Plain SQL (no parameters) on either backend, for tests that look under
/// a store: the same statement text must mean the same on both.
extension AppDatabase {
    func rawExecute(_ sql: String) async throws {
        switch backend {
        case .sqlite(let writer): try await writer.write { db in try db.execute(sql: sql) }
        case .postgres(let postgres): try await postgres.write { tx in try await tx.execute(PostgresQuery(unsafeSQL: sql)) }
        }
    }

    /// The first column of every row, as text.
    func rawStrings(_ sql: String) async throws -> [String] {
        switch backend {
        case .sqlite(let writer):
            return try await writer.read { db in try String.fetchAll(db, sql: sql) }
        case .postgres(let postgres):
            return try await postgres.read { tx in try await tx.rows(PostgresQuery(unsafeSQL: sql)).map { try $0[0].decode(String.self) } }
        }
    }

    /// The first column of the first row, as an integer (a COUNT).
    func rawInt(_ sql: String) async throws -> Int64? {
        switch backend {
        case .sqlite(let writer):
            return try await writer.read { db in try Int64.fetchOne(db, sql: sql) }
        case .postgres(let postgres):
            return try await postgres.read { tx in try await tx.scalar(PostgresQuery(unsafeSQL: sql), as: Int64.self) }
        }
    }
}
