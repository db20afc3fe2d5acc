import Foundation
import GRDB
import PostgresNIO

@testable import WenzhengStore

// SQL straight to the database under test, for contract tests that check
// what the schema refuses or how rows look, whichever backend runs them.
// The statement is given per backend where the dialects differ.
extension AppDatabase {
    /// Runs one statement in its own write transaction.
    func executeRaw(sqlite: String, postgres: String? = nil) async throws {
        switch backend {
        case .sqlite(let writer):
            try await writer.write { db in try db.execute(sql: sqlite) }
        case .postgres(let backend):
            let sql = postgres ?? sqlite
            try await backend.write { tx in try await tx.execute(PostgresQuery(unsafeSQL: sql)) }
        }
    }

    /// The first column of the first row, as an integer (nil for no row).
    func integerRaw(sqlite: String, postgres: String? = nil) async throws -> Int? {
        switch backend {
        case .sqlite(let writer):
            return try await writer.read { db in try Int.fetchOne(db, sql: sqlite) }
        case .postgres(let backend):
            let sql = postgres ?? sqlite
            return try await backend.read { tx in try await tx.scalar(PostgresQuery(unsafeSQL: sql), as: Int.self) }
        }
    }
}
