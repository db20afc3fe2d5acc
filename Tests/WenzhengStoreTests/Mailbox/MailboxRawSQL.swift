import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

// The mailbox's reads and writes under the store on either backend (beside
// `rawExecute`/`rawInt`), for tests that set up a state the store no
// longer writes (a letter numbered or paused by older code), check that the
// schema itself refuses a bad row, or drive the search index directly. Raw
// SQL is written to mean the same on both (literal values only,
// `true`/`false` for booleans, which SQLite reads as 1/0).

extension AppDatabase {
    /// Every outbox message, oldest first.
    func outboxMessages() async throws -> [OutboxMessage] {
        switch backend {
        case .sqlite(let writer):
            return try await writer.read { db in try OutboxMessage.order(Column("id")).fetchAll(db) }
        case .postgres(let postgres):
            return try await postgres.read { tx in try await tx.records(OutboxMessage.self, "SELECT * FROM outbox_message ORDER BY id") }
        }
    }

    /// Appends a timeline event as the store does, outside any intention.
    func appendLetterEventRaw(letterID: Int64, kind: LetterEventKind, note: String?, clockEvent: ClockEvent?, at now: Date) async throws {
        switch backend {
        case .sqlite(let writer):
            try await writer.write { db in
                try GRDBMailboxStore.appendLetterEvent(db, letterID: letterID, kind: kind, actor: .system, note: note, clockEvent: clockEvent, at: now)
            }
        case .postgres(let postgres):
            try await postgres.write { tx in
                try await PostgresMailboxStore.appendLetterEvent(
                    tx, letterID: letterID, kind: kind, actor: .system, note: note, clockEvent: clockEvent, at: now)
            }
        }
    }

    /// Puts letters (id, text) into the search index directly, each as one
    /// letter's body (or as subject, body and reply).
    func indexForSearch(_ letters: [(Int64, [String])]) async throws {
        switch backend {
        case .sqlite(let writer):
            try await writer.write { db in
                for (id, parts) in letters {
                    try LetterSearchIndex.indexLetterForSearch(db, letterID: id, subject: parts[0], body: parts[1], reply: parts[2])
                }
            }
        case .postgres(let postgres):
            try await postgres.write { tx in
                for (id, parts) in letters {
                    try await PostgresLetterSearchIndex.indexLetterForSearch(
                        tx, letterID: id, subject: parts[0], body: parts[1], reply: parts[2])
                }
            }
        }
    }

    /// Takes letters out of the search index directly.
    func removeFromSearch(_ ids: [Int64]) async throws {
        switch backend {
        case .sqlite(let writer):
            try await writer.write { db in
                for id in ids { try LetterSearchIndex.removeLetterFromSearch(db, letterID: id) }
            }
        case .postgres(let postgres):
            try await postgres.write { tx in
                for id in ids { try await PostgresLetterSearchIndex.removeLetterFromSearch(tx, letterID: id) }
            }
        }
    }

    /// The search with a window of one's choosing.
    func searchIndex(_ query: SearchQuery, limit: Int, offset: Int, window: Int) async throws -> LetterSearchPage {
        switch backend {
        case .sqlite(let writer):
            return try await writer.read { db in
                try LetterSearchIndex.searchLetters(db, query: query, limit: limit, offset: offset, window: window)
            }
        case .postgres(let postgres):
            return try await postgres.read { tx in
                try await PostgresLetterSearchIndex.searchLetters(tx, query: query, limit: limit, offset: offset, window: window)
            }
        }
    }
}

/// Whether an error is the database refusing a statement (a constraint, a
/// CHECK, a trigger), rather than anything else going wrong.
func isRefusedByTheSchema(_ error: any Error) -> Bool {
    if let error = error as? DatabaseError { return error.resultCode == .SQLITE_CONSTRAINT }
    if let error = error as? PSQLError, let state = error.sqlState {
        // Integrity constraints (23xxx) and a trigger's RAISE (P0001).
        return state.hasPrefix("23") || state == "P0001"
    }
    return false
}

/// Expects the schema to refuse `sql`.
func expectRefused(_ db: AppDatabase, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        try await db.rawExecute(sql)
        Issue.record("the schema accepted: \(sql)", sourceLocation: sourceLocation)
    } catch {
        #expect(isRefusedByTheSchema(error), "\(sql): \(String(reflecting: error))", sourceLocation: sourceLocation)
    }
}
