import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// Records that spell their columns out (`ExplicitColumns.swift`) instead
/// of deriving them from their properties: a column left out would be
/// silently skipped by every `update`, so each must write exactly its
/// table's columns and read back what it wrote.
@Suite("Records with explicit columns")
struct ExplicitColumnsTests {
    /// An interview taken live and ended, with a question approved, put on
    /// air and deferred, so that most nullable columns hold a value.
    static func populated() async throws -> (TemporaryDatabase, StoreInterview) {
        let file = try TemporaryDatabase()
        let interview = try await StoreInterview.create(file.database)
        let first = try await interview.askApproved("第一个问题，电话13812345678", nickname: "王小明", contact: "wang@example.com")
        _ = try await interview.askApproved("第二个问题", nickname: nil, contact: nil)
        try await interview.status(.live, at: testStart.addingTimeInterval(60))
        _ = try await file.database.interviews.putQuestionOnAir(
            interviewID: interview.id, questionID: first, actor: interview.host, at: testStart.addingTimeInterval(120))
        try await interview.status(.ended, at: testStart.addingTimeInterval(3600))
        return (file, interview)
    }

    /// Checks one table: the record's columns are the table's, and every
    /// row decodes into a record that encodes back to the same values.
    static func check<Record: FetchableRecord & EncodableRecord & TableRecord>(_ type: Record.Type, _ db: Database) throws {
        let table = Record.databaseTableName
        let columns = Set(try db.columns(in: table).map(\.name))
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table)")
        #expect(!rows.isEmpty, "\(table) has rows to compare")
        for row in rows {
            let record = try Record(row: row)
            let written = try record.databaseDictionary
            #expect(Set(written.keys) == columns, "\(table): the record writes exactly the table's columns")
            for column in columns {
                #expect(written[column] == row[column] as DatabaseValue, "\(table).\(column) reads back as it was stored")
            }
        }
    }

    @Test("interviews, questions and queue items write their table's columns and read back what they wrote")
    func recordsMatchTheirTables() async throws {
        let (file, _) = try await Self.populated()
        try await file.database.reader.read { db in
            try Self.check(InterviewRecord.self, db)
            try Self.check(InterviewQuestionRecord.self, db)
            try Self.check(ModerationItemRecord.self, db)
        }
    }

    @Test("an enum column holding no case's text is an error, not a crash")
    func unknownEnumText() async throws {
        let (file, interview) = try await Self.populated()
        try await file.database.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE interview SET status = 'postponed' WHERE id = ?", arguments: [interview.id])
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        let error = await #expect(throws: UnknownColumnValue.self) {
            try await file.database.reader.read { db in try InterviewRecord.fetchOne(db, key: interview.id) }
        }
        #expect(error?.description == #"column status holds "postponed", which is no InterviewStatus"#)
    }
}
