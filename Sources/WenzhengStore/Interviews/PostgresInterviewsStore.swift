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

    /// The working-day calendar as stored, read in the caller's
    /// transaction (`GRDBCalendarStore.holidayCalendar`).
    static func holidayCalendar(_ tx: PostgresTransaction) async throws -> HolidayCalendar {
        let years = try await tx.rows("SELECT year FROM holiday_notice ORDER BY year").map { try $0.value("year", as: Int.self) }
        let days = try await tx.rows("SELECT date, is_off_day, name FROM calendar_day ORDER BY date").map { row in
            HolidayNotice.Day(
                date: try row.value("date", as: CivilDate.self), name: try row.value("name", as: String.self),
                isOffDay: try row.value("is_off_day", as: Bool.self))
        }
        return HolidayCalendar(yearsWithData: Set(years), days: days)
    }

    static func displayName(_ tx: PostgresTransaction, userID: Int64) async throws -> String? {
        try await tx.scalar("SELECT display_name FROM staff_user WHERE id = \(userID)", as: String.self)
    }
}

// MARK: - Withdrawals of transcript entries

/// `PublicationWithdrawals` for transcript entries, on PostgreSQL: the same
/// rule (`WithdrawalRules`) and rows, inside the interview's transaction.
extension PostgresInterviewsStore {
    static func withdrawalInForce(_ tx: PostgresTransaction, _ kind: WithdrawableKind, _ id: Int64) async throws
        -> PublicationWithdrawalRecord?
    {
        try await tx.record(
            PublicationWithdrawalRecord.self,
            """
            SELECT * FROM publication_withdrawal
            WHERE subject_kind = \(kind.rawValue) AND subject_id = \(id) AND republished_at IS NULL
            ORDER BY id LIMIT 1
            """)
    }

    /// The withdrawals in force among some texts of one kind, by id, with
    /// the staff members' names.
    static func withdrawalsInForce(_ tx: PostgresTransaction, _ kind: WithdrawableKind, ids: [Int64]) async throws
        -> [Int64: PublicationWithdrawal]
    {
        guard !ids.isEmpty else { return [:] }
        let records = try await tx.records(
            PublicationWithdrawalRecord.self,
            """
            SELECT * FROM publication_withdrawal
            WHERE subject_kind = \(kind.rawValue) AND subject_id = ANY(\(ids)) AND republished_at IS NULL
            ORDER BY id
            """)
        var result: [Int64: PublicationWithdrawal] = [:]
        for record in records { result[record.subjectId] = try await withdrawalView(tx, record) }
        return result
    }

    static func withdrawalView(_ tx: PostgresTransaction, _ record: PublicationWithdrawalRecord) async throws -> PublicationWithdrawal {
        let withdrawnBy = try await displayName(tx, userID: record.withdrawnBy) ?? ""
        var republishedBy: String?
        if let id = record.republishedBy { republishedBy = try await displayName(tx, userID: id) }
        return PublicationWithdrawal(
            withdrawnById: record.withdrawnBy, withdrawnBy: withdrawnBy, withdrawnAt: record.withdrawnAt, reason: record.reason,
            republishedById: record.republishedBy, republishedBy: republishedBy, republishedAt: record.republishedAt)
    }

    /// `PublicationWithdrawals.recordWithdrawal`: checks the rule and stores
    /// the row.
    static func recordWithdrawal(
        _ tx: PostgresTransaction, _ kind: WithdrawableKind, _ id: Int64, published: Bool, reason: String, actor: AuthenticatedStaff,
        at now: Date
    ) async throws -> PublicationWithdrawalRecord {
        let inForce = try await withdrawalInForce(tx, kind, id)
        var inForceView: PublicationWithdrawal?
        if let inForce { inForceView = try await withdrawalView(tx, inForce) }
        if let refusal = WithdrawalRules.refusalToWithdraw(by: actor.role, published: published, inForce: inForceView) {
            throw PublicationWithdrawals.storeError(refusal)
        }
        var record = PublicationWithdrawalRecord(
            id: nil, subjectKind: kind, subjectId: id, reason: reason, withdrawnBy: actor.userID, withdrawnAt: now,
            republishedBy: nil, republishedAt: nil, republishedText: nil)
        record.id = try await tx.insert(into: "publication_withdrawal", record)
        return record
    }

    /// `PublicationWithdrawals.recordRepublication`: closes the withdrawal
    /// in force with the corrected (already masked) text.
    static func recordRepublication(
        _ tx: PostgresTransaction, _ kind: WithdrawableKind, _ id: Int64, text: String, actor: AuthenticatedStaff, at now: Date
    ) async throws -> PublicationWithdrawalRecord {
        let inForce = try await withdrawalInForce(tx, kind, id)
        var inForceView: PublicationWithdrawal?
        if let inForce { inForceView = try await withdrawalView(tx, inForce) }
        if let refusal = WithdrawalRules.refusalToRepublish(by: actor.role, inForce: inForceView) {
            throw PublicationWithdrawals.storeError(refusal)
        }
        var record = inForce!
        record.republishedBy = actor.userID
        record.republishedAt = now
        record.republishedText = text
        try await tx.update("publication_withdrawal", record, id: record.id!)
        return record
    }
}

// MARK: - One writer per interview

extension PostgresInterviewsStore {
    /// The advisory lock class of interview writes ("WZIV"); the interview's
    /// id is the lock's second key.
    static let interviewLockClass: Int32 = 0x575A_4956

    /// `backend.write` for a change to one interview's transcript or
    /// question list, taken one at a time per interview across every node.
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
        let lockClass = Self.interviewLockClass
        // Ids past 2³¹ share a lock with a smaller one: more waiting, never
        // less safety.
        let lockKey = Int32(truncatingIfNeeded: interviewID)
        var attempt = 1
        while true {
            do {
                return try await backend.client.withConnection { connection in
                    let tx = PostgresTransaction(connection: connection, logger: backend.logger)
                    try await tx.execute("SELECT pg_advisory_lock(\(lockClass), \(lockKey))")
                    do {
                        try await tx.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
                        let result: T
                        do {
                            result = try await body(tx)
                            try await tx.execute("COMMIT")
                        } catch {
                            try? await tx.execute("ROLLBACK")
                            throw error
                        }
                        try await tx.execute("SELECT pg_advisory_unlock(\(lockClass), \(lockKey))")
                        return result
                    } catch {
                        // A broken connection takes its session lock with it.
                        try? await tx.execute("SELECT pg_advisory_unlock(\(lockClass), \(lockKey))")
                        throw error
                    }
                }
            } catch let error as PSQLError where error.isRetryableTransactionFailure && attempt < PostgresBackend.maximumAttempts {
                attempt += 1
                try await Task.sleep(for: .microseconds(Int.random(in: 100...(1_000 * attempt))))
            }
        }
    }
}
