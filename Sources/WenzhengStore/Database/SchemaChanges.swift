import Foundation
import GRDB
import WenzhengCore

/// Schema changes that SQLite has no ALTER TABLE for.
enum SchemaChanges {
    /// Replaces the `CHECK ("column" IN (…))` of `table` with a longer
    /// list, by SQLite's documented procedure for loosening a constraint in
    /// place (ALTER TABLE, "making other kinds of table schema changes"):
    /// every row that passed the old list passes the new one, so nothing
    /// needs copying. The table's other constraints, indexes and triggers
    /// stay exactly as they were.
    ///
    /// The new list is the old one followed by the `values` it lacks: a
    /// widening never narrows. That matters on a fresh database, where an
    /// early migration that built its list from a Swift enum (`v5-mailbox`)
    /// already allows values a later widening adds again; on a database
    /// that ran this before, the result is the same as it always was.
    ///
    /// - Throws: when the check is not found, rather than guess.
    static func widenCheckList(_ db: Database, table: String, column: String, to values: [String]) throws {
        guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
        else { throw DatabaseError(message: "no table \(table)") }
        let prefix = "CHECK (\"\(column)\" IN ("
        guard let start = sql.range(of: prefix), let end = sql[start.upperBound...].range(of: "))") else {
            throw DatabaseError(message: "\(table).\(column) has no CHECK list to widen")
        }
        let old = sql[start.upperBound..<end.lowerBound].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        let widenedValues = old + values.filter { !old.contains($0) }
        let list = widenedValues.map { "'\($0)'" }.joined(separator: ", ")
        let widened = sql.replacingCharacters(in: start.upperBound..<end.lowerBound, with: list)
        guard widened != sql else { return }
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        try db.execute(sql: "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", arguments: [widened, table])
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        db.clearSchemaCache()
    }

    /// Loosens constraints of `table` in place, by the same documented
    /// procedure as `widenCheckList`: each `(old, new)` replaces text of the
    /// table's definition that must occur exactly once. Only for changes
    /// every stored row already satisfies (a CHECK with one more way to
    /// pass); anything else needs `rebuildTable`.
    ///
    /// - Throws: when a text is missing or ambiguous, rather than guess.
    static func loosenConstraints(_ db: Database, table: String, replacing changes: [(old: String, new: String)]) throws {
        guard var sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
        else { throw DatabaseError(message: "no table \(table)") }
        for change in changes {
            let count = sql.components(separatedBy: change.old).count - 1
            guard count == 1 else { throw DatabaseError(message: "\(table): expected \(change.old) once, found it \(count) times") }
            sql = sql.replacingOccurrences(of: change.old, with: change.new)
        }
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        try db.execute(sql: "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", arguments: [sql, table])
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        db.clearSchemaCache()
    }

    /// Rebuilds `table` with a new definition, by the twelve steps of
    /// SQLite's "making other kinds of table schema changes" (ALTER TABLE
    /// documentation), for changes no ALTER TABLE can make (a CHECK list
    /// narrowed or rebuilt, a table constraint added):
    ///
    /// 1–2. The caller's migration runs inside a transaction with foreign
    ///      keys off (GRDB's `foreignKeyChecks: .deferred`); refused
    ///      otherwise, because dropping the old table would then delete or
    ///      refuse through the children's foreign keys.
    /// 3.   The table's indexes and triggers are remembered; a view that
    ///      names the table is refused rather than guessed about.
    /// 4.   `definition` (a `CREATE TABLE "table" (…)`) is created under a
    ///      temporary name.
    /// 5.   The `columns` are copied, row ids included.
    /// 6–7. The old table is dropped and the new one renamed to its name;
    ///      other tables' foreign keys name the table, so they now point at
    ///      the new one.
    /// 8.   The indexes and triggers are created again as they were.
    /// 10.  `PRAGMA foreign_key_check` runs for the table (GRDB checks the
    ///      whole database again before commit).
    ///
    /// The AUTOINCREMENT counter (`sqlite_sequence`) is carried over, so an
    /// id once handed out is never handed out again.
    static func rebuildTable(_ db: Database, _ table: String, definition: String, copying columns: [String]) throws {
        guard try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") == false else {
            throw DatabaseError(
                message: "rebuilding \(table) needs foreign keys off: register the migration with foreignKeyChecks: .deferred")
        }
        let prefix = "CREATE TABLE \"\(table)\" ("
        guard definition.hasPrefix(prefix) else { throw DatabaseError(message: "the new definition must start with \(prefix)") }
        let views = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'view' AND sql LIKE ?", arguments: ["%\(table)%"])
        guard views.isEmpty else {
            throw DatabaseError(message: "views name \(table) (\(views.joined(separator: ", "))); rebuild them too")
        }
        let dependents = try String.fetchAll(
            db,
            sql:
                "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
            arguments: [table])
        let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = ?", arguments: [table])

        let temporary = "new_\(table)"
        try db.execute(sql: "CREATE TABLE \"\(temporary)\" (" + definition.dropFirst(prefix.count))
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        try db.execute(sql: "INSERT INTO \"\(temporary)\" (\(list)) SELECT \(list) FROM \"\(table)\"")
        try db.execute(sql: "DROP TABLE \"\(table)\"")
        try db.execute(sql: "ALTER TABLE \"\(temporary)\" RENAME TO \"\(table)\"")
        for sql in dependents { try db.execute(sql: sql) }
        if let sequence {
            // The copy set the counter to the highest id copied; the old
            // one may be higher (rows deleted), or absent (none left).
            try db.execute(
                sql: "INSERT INTO sqlite_sequence (name, seq) SELECT ?, 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                arguments: [table, table])
            try db.execute(sql: "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", arguments: [sequence, table])
        }
        let violations = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check(\"\(table)\")")
        guard violations.isEmpty else {
            throw DatabaseError(message: "\(table) breaks \(violations.count) foreign key(s) after the rebuild")
        }
        db.clearSchemaCache()
    }
}
