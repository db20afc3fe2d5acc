import GRDB
import WenzhengCore

extension AppDatabase {
    /// 答复部门: the department of the guest an answer is from, kept with the
    /// answer, so a late answer (补录) shows who replied as a letter's reply
    /// does. Answers already stored take their guest's department by name
    /// (guests cannot change once an interview is live). Late answers and
    /// deferred lists look answers up by question.
    static func addInterviewAnswerDepartments(_ db: Database) throws {
        try db.alter(table: "transcript_entry") { t in
            t.add(column: "department", .text)
        }
        try db.execute(
            sql: """
                UPDATE transcript_entry SET department = (
                    SELECT NULLIF(interview_guest.department, '') FROM interview_guest
                    WHERE interview_guest.interview_id = transcript_entry.interview_id
                      AND interview_guest.name = transcript_entry.author
                    ORDER BY interview_guest.position LIMIT 1)
                WHERE kind = 'answer'
                """)
        try db.create(index: "transcript_entry_on_question", on: "transcript_entry", columns: ["question_id", "seq"])
    }
}
