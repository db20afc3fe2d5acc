import Foundation
import GRDB
import Logging
import PostgresNIO
import WenzhengCore

/// Copies every row of an SQLite database into a new PostgreSQL one
/// (`wenzheng migrate-to-postgres`): the way an office that outgrows one
/// machine keeps its letters, interviews and audit log.
///
/// - The SQLite file is brought up to this version's schema first, and the
///   PostgreSQL database to its own (`PostgresMigrations`): both then have
///   the same tables and columns (`PostgresSchemaTests` keeps it so).
/// - The target must be new: only its migrations' seeds (replaced by the
///   source's rows); the copy refuses to run into data.
/// - Tables go parents first (by their foreign keys), rows by id, with
///   their ids (tables that triggers fill are left to the triggers); each value is converted to its PostgreSQL column's type
///   (SQLite's text instants to `timestamptz`, its day texts to `date`,
///   0/1 to booleans). The search document's `tsvector` is made from the
///   copied token text, as the PostgreSQL mailbox store makes it. Identity sequences then continue after the highest id.
/// - All of it is one transaction: a failure leaves the target empty.
/// - Afterwards every table's row count is compared on both sides.
public enum SQLiteToPostgresCopy {
    public struct TableReport: Sendable, Equatable {
        public var table: String
        public var sqliteRows: Int
        public var postgresRows: Int
    }

    public struct Report: Sendable {
        public var tables: [TableReport]
        public var seconds: Double
        public var matches: Bool { tables.allSatisfy { $0.sqliteRows == $0.postgresRows } }
        public var rows: Int { tables.reduce(0) { $0 + $1.postgresRows } }
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case targetNotEmpty(tables: [String])
        case missingTable(String)
        case unconvertible(table: String, column: String, value: String, type: String)

        public var description: String {
            switch self {
            case .targetNotEmpty(let tables):
                "the PostgreSQL database already holds data (\(tables.prefix(5).joined(separator: ", "))\(tables.count > 5 ? ", …" : "")); migrate into a new, empty database"
            case .missingTable(let table):
                "the SQLite file has no table \(table); is it a Wenzheng database?"
            case .unconvertible(let table, let column, let value, let type):
                "\(table).\(column) holds \(value.prefix(40).debugDescription), which is no \(type)"
            }
        }
    }

    /// - Parameter progress: called after each table with its name and rows.
    public static func copy(
        sqliteFile path: String, to location: PostgresLocation, logger: Logger,
        progress: @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        let started = Date()
        let source = try AppDatabase.openFile(atPath: path, logger: nil)
        let postgres = try await PostgresBackend.connect(to: location, logger: logger, maximumConnections: 2)
        do {
            let report = try await copy(from: source.writer, to: postgres, progress: progress, started: started)
            await postgres.close()
            return report
        } catch {
            await postgres.close()
            throw error
        }
    }

    /// Tables the PostgreSQL migrations fill (the shipped holiday notices,
    /// the default reply periods), as SQLite's do.
    static let migrationSeeded: Set<String> = ["holiday_notice", "calendar_day", "deadline_policy"]

    /// Tables that triggers fill from other tables' rows (the rate limits'
    /// per-key counts): not copied, or each row would be there twice.
    static let triggerMaintained: Set<String> = ["rate_limit_key"]

    struct Column: Sendable {
        var name: String
        /// information_schema's data_type: bigint, text, boolean, date,
        /// timestamp with time zone, bytea, tsvector, double precision.
        var type: String
    }

    static func copy(
        from source: any DatabaseReader, to postgres: PostgresBackend, progress: @Sendable (String, Int) -> Void, started: Date
    ) async throws -> Report {
        let tables = try await postgres.read { tx in try await orderedTables(tx) }
        let sqliteTables = Set(try await source.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") })
        for table in tables.map(\.name) where !sqliteTables.contains(table) { throw Failure.missingTable(table) }

        let reports = try await postgres.write { tx in
            // A new database holds only what its migrations seed; with every
            // other table empty nobody has used it (any change is audited),
            // and the seeds give way to the source's own rows.
            let occupied = try await nonEmptyTables(tx, tables.map(\.name).filter { !migrationSeeded.contains($0) })
            guard occupied.isEmpty else { throw Failure.targetNotEmpty(tables: occupied) }
            for table in tables.reversed() where migrationSeeded.contains(table.name) {
                try await tx.execute(PostgresQuery(unsafeSQL: "DELETE FROM \(PostgresTransaction.quoted(table.name))"))
            }
            var reports: [TableReport] = []
            for table in tables where !triggerMaintained.contains(table.name) {
                let copied = try await copyTable(table.name, columns: table.columns, from: source, into: tx)
                try await resetIdentity(tx, table: table.name, columns: table.columns)
                let counted = try await tx.scalar(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(PostgresTransaction.quoted(table.name))"), as: Int64.self) ?? 0
                reports.append(TableReport(table: table.name, sqliteRows: copied, postgresRows: Int(counted)))
                progress(table.name, copied)
            }
            // Filled by the triggers as their tables' rows came in; counted
            // (and compared below) like every other table.
            for table in tables where triggerMaintained.contains(table.name) {
                let counted = try await tx.scalar(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(PostgresTransaction.quoted(table.name))"), as: Int64.self) ?? 0
                reports.append(TableReport(table: table.name, sqliteRows: Int(counted), postgresRows: Int(counted)))
                progress(table.name, Int(counted))
            }
            return reports
        }
        // The source's own counts, read apart from the copy.
        var checked: [TableReport] = []
        for report in reports {
            let rows = try await source.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(PostgresTransaction.quoted(report.table))") ?? 0
            }
            checked.append(TableReport(table: report.table, sqliteRows: rows, postgresRows: report.postgresRows))
        }
        return Report(tables: checked, seconds: Date().timeIntervalSince(started))
    }

    /// Wenzheng's tables on PostgreSQL, each after the tables it refers to.
    static func orderedTables(_ tx: PostgresTransaction) async throws -> [(name: String, columns: [Column])] {
        let names = try await tx.rows(
            """
            SELECT table_name::text AS name FROM information_schema.tables
            WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'wenzheng_migrations'
            ORDER BY table_name
            """
        ).map { try $0.value("name", as: String.self) }
        var parents: [String: Set<String>] = [:]
        for row in try await tx.rows(
            """
            SELECT child.relname::text AS child, parent.relname::text AS parent
            FROM pg_constraint c
            JOIN pg_class child ON child.oid = c.conrelid
            JOIN pg_class parent ON parent.oid = c.confrelid
            JOIN pg_namespace n ON n.oid = child.relnamespace
            WHERE c.contype = 'f' AND n.nspname = 'public'
            """)
        {
            let child = try row.value("child", as: String.self)
            let parent = try row.value("parent", as: String.self)
            if child != parent { parents[child, default: []].insert(parent) }
        }
        var ordered: [String] = []
        var placed = Set<String>()
        var remaining = names
        while !remaining.isEmpty {
            let ready = remaining.filter { (parents[$0] ?? []).isSubset(of: placed) }
            // A cycle cannot happen in this schema; placing the rest keeps
            // the copy going and lets PostgreSQL name the broken key.
            let next = ready.isEmpty ? remaining : ready
            ordered += next
            placed.formUnion(next)
            remaining.removeAll { placed.contains($0) }
        }
        var result: [(String, [Column])] = []
        for name in ordered {
            let columns = try await tx.rows(
                """
                SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name = \(name) ORDER BY ordinal_position
                """
            ).map { Column(name: try $0.value("name"), type: try $0.value("type")) }
            result.append((name, columns))
        }
        return result
    }

    static func nonEmptyTables(_ tx: PostgresTransaction, _ tables: [String]) async throws -> [String] {
        var occupied: [String] = []
        for table in tables {
            let sql = "SELECT EXISTS (SELECT 1 FROM \(PostgresTransaction.quoted(table)))"
            if try await tx.scalar(PostgresQuery(unsafeSQL: sql), as: Bool.self) == true { occupied.append(table) }
        }
        return occupied
    }

    /// Rows in batches of one multi-row INSERT each, under PostgreSQL's
    /// 65,535 parameters per statement.
    static func copyTable(_ table: String, columns: [Column], from source: any DatabaseReader, into tx: PostgresTransaction) async throws -> Int {
        // The search document's tsvector is computed, not copied.
        let computed = table == "letter_search_document" ? Set(["document"]) : []
        let copied = columns.filter { !computed.contains($0.name) }
        // Pages in a stable order: by id, or by every column for the few
        // tables without one (some are WITHOUT ROWID).
        let order = copied.contains { $0.name == "id" } ? "\"id\"" : (1...copied.count).map(String.init).joined(separator: ", ")
        let batchSize = max(1, 20_000 / max(copied.count, 1))
        var offset = 0
        var total = 0
        while true {
            let rows = try await source.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT \(copied.map { PostgresTransaction.quoted($0.name) }.joined(separator: ", ")) FROM \(PostgresTransaction.quoted(table)) ORDER BY \(order) LIMIT \(batchSize) OFFSET \(offset)")
            }
            guard !rows.isEmpty else { break }
            var bindings = PostgresBindings(capacity: rows.count * copied.count)
            var tuples: [String] = []
            var parameter = 0
            for row in rows {
                var placeholders: [String] = []
                for (index, column) in copied.enumerated() {
                    try bind(row[index], column: column, table: table, into: &bindings)
                    parameter += 1
                    placeholders.append("$\(parameter)")
                }
                if !computed.isEmpty {
                    // The document holds each of the Swift tokens SQLite's
                    // FTS index holds as one lexeme (PostgreSQL's own parser
                    // would split some and drop others).
                    let content = copied.firstIndex { $0.name == "content" }.flatMap { String.fromDatabaseValue(row[$0]) } ?? ""
                    bindings.append(PostgresLetterSearchIndex.tsvectorLiteral(content))
                    parameter += 1
                    placeholders.append("$\(parameter)::tsvector")
                }
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            let names = (copied.map(\.name) + computed.sorted()).map(PostgresTransaction.quoted).joined(separator: ", ")
            let sql = "INSERT INTO \(PostgresTransaction.quoted(table)) (\(names)) OVERRIDING SYSTEM VALUE VALUES " + tuples.joined(separator: ", ")
            try await tx.execute(PostgresQuery(unsafeSQL: sql, binds: bindings))
            total += rows.count
            offset += rows.count
        }
        return total
    }

    static func bind(_ value: DatabaseValue, column: Column, table: String, into bindings: inout PostgresBindings) throws {
        if value.isNull {
            bindings.appendNull()
            return
        }
        func failure() -> Failure {
            Failure.unconvertible(table: table, column: column.name, value: "\(value)", type: column.type)
        }
        switch column.type {
        case "bigint", "integer", "smallint":
            guard let number = Int64.fromDatabaseValue(value) else { throw failure() }
            bindings.append(number)
        case "boolean":
            guard let flag = Bool.fromDatabaseValue(value) else { throw failure() }
            bindings.append(flag)
        case "timestamp with time zone":
            guard let instant = Date.fromDatabaseValue(value) else { throw failure() }
            bindings.append(instant)
        case "date":
            guard let text = String.fromDatabaseValue(value), let day = CivilDate(text) else { throw failure() }
            bindings.append(day)
        case "bytea":
            guard let data = Data.fromDatabaseValue(value) else { throw failure() }
            try bindings.append(data)
        case "double precision", "real", "numeric":
            guard let number = Double.fromDatabaseValue(value) else { throw failure() }
            bindings.append(number)
        default:
            guard let text = String.fromDatabaseValue(value) else { throw failure() }
            bindings.append(text)
        }
    }

    /// An identity column continues after the highest copied id.
    static func resetIdentity(_ tx: PostgresTransaction, table: String, columns: [Column]) async throws {
        guard columns.contains(where: { $0.name == "id" }) else { return }
        let quoted = PostgresTransaction.quoted(table)
        let hasSequence = try await tx.scalar("SELECT pg_get_serial_sequence(\(quoted), 'id') IS NOT NULL", as: Bool.self)
        guard hasSequence == true else { return }
        try await tx.execute(
            PostgresQuery(
                unsafeSQL:
                    "SELECT setval(pg_get_serial_sequence('\(quoted.replacingOccurrences(of: "'", with: "''"))', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \(quoted)"
            ))
    }
}
