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
}
