import Foundation
import GRDB

/// Online backup of the live database (`wenzheng backup`), through SQLite's
/// backup API, and the checks of a copy.
///
/// The source is opened without migrating it (a backup is what an operator
/// takes before an upgrade), and copied from inside one read transaction of
/// a WAL connection: the copy is the database as one snapshot, while the
/// server goes on writing (its writes land in the WAL, after the snapshot;
/// the WAL cannot be checkpointed past the snapshot until the copy ends).
/// The copy is left in rollback-journal mode: one self-contained file, no
/// `-wal` beside it. Wenzheng puts it back in WAL mode when it opens it.
public enum DatabaseBackup {
    /// How far a copy is.
    public struct Progress: Sendable, Equatable {
        public var copiedPages: Int
        public var totalPages: Int

        public var fraction: Double { totalPages == 0 ? 1 : Double(copiedPages) / Double(totalPages) }
    }

    /// What was copied.
    public struct Copy: Sendable, Equatable {
        public var pages: Int
        public var pageSize: Int
        /// The copy's file size.
        public var bytes: Int64
    }

    /// What the checks of a copy found.
    public struct Check: Sendable, Equatable {
        /// `PRAGMA integrity_check`'s complaints; empty when it said `ok`.
        public var integrityProblems: [String]
        /// `PRAGMA foreign_key_check`: each row whose parent is missing.
        public var foreignKeyProblems: [String]
        /// The migrations the copy has run, and those this build knows.
        public var appliedMigrations: [String]
        public var knownMigrations: [String]

        public var passed: Bool { integrityProblems.isEmpty && foreignKeyProblems.isEmpty }
        /// Migrations this build would still run on the copy.
        public var pendingMigrations: [String] { knownMigrations.filter { !appliedMigrations.contains($0) } }
        /// Migrations of a newer Wenzheng.
        public var unknownMigrations: [String] { appliedMigrations.filter { !knownMigrations.contains($0) } }
    }

    /// Copies the database at `source` (which must exist) into a new file
    /// at `destination` (which must not), `pagesPerStep` pages at a time,
    /// calling `progress` after each step.
    ///
    /// - Throws: `StoreError.cannotOpen` for a source that is missing or
    ///   not a database, or a destination that cannot be written.
    public static func copy(
        databaseAt source: String, to destination: String, pagesPerStep: Int = 256, progress: @escaping (Progress) -> Void = { _ in }
    ) throws -> Copy {
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreError.cannotOpen(path: source, reason: "no such file")
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError.cannotOpen(path: destination, reason: "the file exists")
        }
        let sourcePool: DatabasePool
        do {
            sourcePool = try DatabasePool(path: source, configuration: AppDatabase.makeConfiguration(logger: nil))
        } catch {
            throw StoreError.cannotOpen(path: source, reason: AppDatabase.describe(error))
        }
        defer { try? sourcePool.close() }
        let target: DatabaseQueue
        do {
            target = try DatabaseQueue(path: destination)
        } catch {
            throw StoreError.cannotOpen(path: destination, reason: AppDatabase.describe(error))
        }
        var pages = 0
        let pageSize: Int
        do {
            // `backup` reads the source inside one read transaction of the
            // pool: a snapshot, whatever is written meanwhile.
            try sourcePool.backup(to: target, pagesPerStep: CInt(clamping: max(1, pagesPerStep))) { step in
                pages = step.totalPageCount
                progress(Progress(copiedPages: step.completedPageCount, totalPages: step.totalPageCount))
            }
            pageSize = try target.writeWithoutTransaction { db -> Int in
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
                return try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            }
            try target.close()
        } catch {
            try? target.close()
            throw error
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: destination))?[.size] as? NSNumber
        return Copy(pages: pages, pageSize: pageSize, bytes: size?.int64Value ?? Int64(pages * pageSize))
    }

    /// Checks the database file at `path`, read only: SQLite's integrity
    /// check, the foreign keys, and which migrations it has.
    public static func check(databaseAt path: String) throws -> Check {
        var configuration = Configuration()
        configuration.readonly = true
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: AppDatabase.describe(error))
        }
        defer { try? queue.close() }
        return try queue.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row -> String in
                let table: String = row[0]
                let rowID: Int64? = row[1]
                let parent: String = row[2]
                return "\(table) row \(rowID.map(String.init) ?? "?") refers to a missing \(parent)"
            }
            let applied =
                try db.tableExists("grdb_migrations")
                ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") : []
            return Check(
                integrityProblems: integrity == ["ok"] ? [] : integrity, foreignKeyProblems: foreignKeys, appliedMigrations: applied,
                knownMigrations: Migrations.migrator.migrations)
        }
    }
}
