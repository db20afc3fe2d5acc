import Foundation
import Logging
import PostgresNIO

/// One open transaction of `PostgresBackend.read` or `write`: the
/// PostgreSQL stores' counterpart of GRDB's `Database` handle. Queries are
/// `PostgresQuery` string interpolations, whose interpolated values are
/// always sent as bound parameters, never spliced into the SQL text.
///
/// Valid only inside the closure it was given to.
public struct PostgresTransaction: @unchecked Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs a statement, discarding any rows.
    func execute(_ query: PostgresQuery) async throws {
        for try await _ in try await connection.query(query, logger: logger) {}
    }

    /// Every row of a query.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await connection.query(query, logger: logger) {
            rows.append(row.makeRandomAccess())
        }
        return rows
    }

    /// The first row of a query, if any.
    func row(_ query: PostgresQuery) async throws -> PostgresRandomAccessRow? {
        try await rows(query).first
    }

    /// The first column of the first row; nil when there is no row or the
    /// value is NULL.
    func scalar<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? {
        guard let row = try await row(query), row.count > 0, row[0].bytes != nil else { return nil }
        return try row[0].decode(T.self)
    }

    /// How many rows a statement touched: run it with `RETURNING 1` (or any
    /// column) and count. postgres-nio does not hand out the command tag.
    func count(_ query: PostgresQuery) async throws -> Int {
        var count = 0
        for try await _ in try await connection.query(query, logger: logger) { count += 1 }
        return count
    }

    /// Decodes every row into a `Decodable` record whose properties are the
    /// camelCase names of the snake_case columns (`PostgresRecordDecoder`).
    func records<Record: Decodable>(_ type: Record.Type, _ query: PostgresQuery) async throws -> [Record] {
        try await rows(query).map { try PostgresRecordDecoder.decode(Record.self, from: $0) }
    }

    /// The first row as a record, if any.
    func record<Record: Decodable>(_ type: Record.Type, _ query: PostgresQuery) async throws -> Record? {
        try await row(query).map { try PostgresRecordDecoder.decode(Record.self, from: $0) }
    }

    /// Inserts an `Encodable` record (camelCase properties → snake_case
    /// columns) and returns its new `id`. NULL properties are left out so
    /// that an unset `id` takes the next identity value.
    @discardableResult
    func insert<Record: Encodable>(into table: String, _ record: Record, returningID: Bool = true) async throws -> Int64? {
        let columns = try PostgresRecordEncoder.columns(of: record).filter { !$0.isNull }
        var bindings = PostgresBindings(capacity: columns.count)
        for column in columns { try column.bind(&bindings) }
        let names = columns.map { PostgresTransaction.quoted($0.name) }.joined(separator: ", ")
        let placeholders = (1...max(columns.count, 1)).prefix(columns.count).map { "$\($0)" }.joined(separator: ", ")
        let sql = "INSERT INTO \(Self.quoted(table)) (\(names)) VALUES (\(placeholders))" + (returningID ? " RETURNING id" : "")
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        if returningID {
            return try await scalar(query, as: Int64.self)
        }
        try await execute(query)
        return nil
    }

    /// Writes every column of `record` but `id` to the row with its `id`.
    /// Returns whether there was such a row.
    @discardableResult
    func update<Record: Encodable>(_ table: String, _ record: Record, id: Int64) async throws -> Bool {
        let columns = try PostgresRecordEncoder.columns(of: record).filter { $0.name != "id" }
        var bindings = PostgresBindings(capacity: columns.count + 1)
        for column in columns { try column.bind(&bindings) }
        bindings.append(id)
        let assignments = columns.enumerated().map { "\(Self.quoted($1.name)) = $\($0 + 1)" }.joined(separator: ", ")
        let sql = "UPDATE \(Self.quoted(table)) SET \(assignments) WHERE id = $\(columns.count + 1) RETURNING 1"
        return try await count(PostgresQuery(unsafeSQL: sql, binds: bindings)) > 0
    }

    /// Sends a notification on `channel`, delivered to listeners when (and
    /// only if) this transaction commits.
    func notify(_ channel: String, payload: String) async throws {
        try await execute("SELECT pg_notify(\(channel), \(payload))")
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension PostgresRandomAccessRow {
    /// The value of a named column.
    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }

    /// A column holding an enum's raw text; throws for a value no case has.
    func value<Value: RawRepresentable>(rawValueOf column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        let text = try value(column, as: String.self)
        guard let value = Value(rawValue: text) else {
            throw UnknownColumnValue(column: column, value: text, type: String(describing: Value.self))
        }
        return value
    }
}
