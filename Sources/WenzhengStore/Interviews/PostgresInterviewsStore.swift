import Foundation
import PostgresNIO
import WenzhengCore

/// `InterviewsStore` over PostgreSQL, shared by every server node. Each
/// method is one transaction, as in `GRDBInterviewsStore`; every write that
/// adds transcript events or changes the public question list also sends an
/// `InterviewChangeNotice` inside its transaction, so the other nodes' live
/// viewers learn of it when (and only if) it commits. Questions are not
/// group-committed here: each submission is its own transaction.
struct PostgresInterviewsStore: InterviewsStore {
    let backend: PostgresBackend
}

extension PostgresInterviewsStore: PostgresCalendarDependent {
    /// Deferred questions' reply deadlines (5 working days from the day
    /// they were deferred) move to the new calendar: answered ones too, so
    /// whether they were answered on time rests on the real date.
    func calendarChanged(_ tx: PostgresTransaction, calendar: HolidayCalendar, at now: Date) async throws {
        let rows = try await tx.rows(
            "SELECT id, deferred_at, reply_due_on FROM interview_question WHERE deferred_at IS NOT NULL ORDER BY id")
        for row in rows {
            let deferredAt = try row.value("deferred_at", as: Date.self)
            let due = calendar.adding(workingDays: InterviewRules.deferredReplyWorkingDays, to: CivilDate(deferredAt))
            if due != (try row.value("reply_due_on", as: CivilDate?.self)) {
                try await tx.execute(
                    "UPDATE interview_question SET reply_due_on = \(due) WHERE id = \(try row.value("id", as: Int64.self))")
            }
        }
    }
}

extension PostgresInterviewsStore {
    /// Tells the other server nodes, on commit, that an interview changed:
    /// `seq` is the highest transcript number the transaction wrote.
    static func notifyChange(_ tx: PostgresTransaction, interviewID: Int64, seq: Int64?, questionsChanged: Bool) async throws {
        try await tx.notify(
            InterviewChangeNotice.channel,
            payload: InterviewChangeNotice(interviewID: interviewID, seq: seq, questionsChanged: questionsChanged).payload)
    }
}

// MARK: - One writer per interview

extension PostgresInterviewsStore {
    /// The advisory lock class of interview writes ("WZIV"); the interview's
    /// id is the lock's second key.
    static let interviewLockClass: Int32 = 0x575A_4956

    /// `backend.write` for a change to one interview's transcript or
    /// question list, queued one at a time per interview across every node
    /// (`PostgresBackend.write(queuedOn:)`).
    ///
    /// Every such change moves one hot row (`interview.last_seq`, a
    /// question's `votes`). SERIALIZABLE alone keeps them right, but each
    /// concurrent writer that loses runs again from the start, and with a
    /// dozen posters and voters some lose every attempt. A session
    /// advisory lock taken before `BEGIN` queues them instead: the
    /// transaction's snapshot is taken after the wait, so it sees the
    /// previous writer's commit and does not conflict with it. Writers that
    /// do not take the lock (a moderation decision) are still kept apart by
    /// SERIALIZABLE and retried as in `write`.
    func writeInterview<T: Sendable>(_ interviewID: Int64, _ body: @Sendable (PostgresTransaction) async throws -> T) async throws -> T {
        // Ids past 2³¹ share a lock with a smaller one: more waiting, never
        // less safety.
        try await backend.write(
            queuedOn: .init(lockClass: Self.interviewLockClass, key: Int32(truncatingIfNeeded: interviewID)), body)
    }
}
