import Foundation
import GRDB
import WenzhengCore

/// `InterviewsStore` over the shared SQLite connection pool (GRDB).
struct GRDBInterviewsStore: InterviewsStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }
    /// Concurrent questions share a transaction (group commit).
    let questions: GroupCommit<QuestionSubmission, StoredQuestion>

    init(writer: any DatabaseWriter) {
        self.writer = writer
        questions = GroupCommit(writer: writer) { db, batch in try Self.storeQuestions(db, batch) }
    }
}

extension GRDBInterviewsStore: GRDBCalendarDependent {
    /// Deferred questions' reply deadlines (5 working days from the day
    /// they were deferred) move to the new calendar: answered ones too, so
    /// whether they were answered on time rests on the real date.
    func calendarChanged(_ db: Database, calendar: HolidayCalendar, at now: Date) throws {
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, deferred_at, reply_due_on FROM interview_question WHERE deferred_at IS NOT NULL")
        for row in rows {
            let deferredAt: Date = row["deferred_at"]
            let due = calendar.adding(workingDays: InterviewRules.deferredReplyWorkingDays, to: CivilDate(deferredAt)).description
            if due != row["reply_due_on"] as String? {
                try db.execute(
                    sql: "UPDATE interview_question SET reply_due_on = ? WHERE id = ?", arguments: [due, row["id"] as Int64])
            }
        }
    }
}
