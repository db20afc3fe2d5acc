import Foundation
import PostgresNIO
import WenzhengCore

// Deadline lists, the triage queue and transfer figures on PostgreSQL
// (`GRDBMailboxStore+LetterDeadlineLists.swift`).
extension PostgresMailboxStore {
    // MARK: Deadline lists

    func openLetterDeadlines(
        filter: LetterDeadlineFilter, departmentID: Int64?, states: [LetterState], limit: Int, offset: Int, at now: Date
    ) async throws -> LetterDeadlinePage {
        try Self.checkDeadlineQuery(filter: filter, limit: limit, offset: offset)
        return try await backend.read { tx in
            let calendar = try await PostgresCalendarStore.holidayCalendar(tx)
            let today = CivilDate(now)
            var (sql, bindings) = Self.deadlineQuery(
                columns: """
                    letter.id, letter.number, letter.subject, letter.type, letter.state, letter.received_on,
                    letter.due_provisional, letter.clock_paused, letter.policy_days, letter.overdue,
                    COALESCE(letter_assignment.due_on, letter.due_on) AS row_due_on,
                    letter_assignment.due_on AS own_due_on,
                    department.id AS department_id, department.name AS department_name,
                    CASE WHEN letter_assignment.is_lead = false THEN true ELSE false END AS co_handling
                    """,
                filter: filter, departmentID: departmentID, states: states, today: today, calendar: calendar)
            bindings.append(limit + 1)
            bindings.append(offset)
            // SQLite sorts `row_due_on IS NULL` (0 before 1) as PostgreSQL
            // sorts false before true: paused letters last. (PostgreSQL
            // names an output column in ORDER BY only on its own, not
            // inside an expression: the COALESCE is written out.)
            let due = "COALESCE(letter_assignment.due_on, letter.due_on)"
            sql += "\nORDER BY \(due) IS NULL, \(due), letter.number LIMIT $\(bindings.count - 1) OFFSET $\(bindings.count)"
            let rows = try await tx.rows(PostgresQuery(unsafeSQL: sql, binds: bindings))
            var page: [LetterDeadlineRow] = []
            for row in rows.prefix(limit) { page.append(try await Self.deadlineRow(tx, row, today: today, calendar: calendar)) }
            return LetterDeadlinePage(rows: page, more: rows.count > limit)
        }
    }

    func countOpenLetterDeadlines(filter: LetterDeadlineFilter, departmentID: Int64?, states: [LetterState], at now: Date) async throws
        -> Int
    {
        try Self.checkDeadlineQuery(filter: filter, limit: 1, offset: 0)
        return try await backend.read { tx in
            let (sql, bindings) = Self.deadlineQuery(
                columns: "COUNT(*)", filter: filter, departmentID: departmentID, states: states, today: CivilDate(now),
                calendar: try await PostgresCalendarStore.holidayCalendar(tx))
            return try await tx.scalar(PostgresQuery(unsafeSQL: sql, binds: bindings), as: Int.self) ?? 0
        }
    }

    func openDeadlineYears() async throws -> [Int] {
        let open = LetterState.allCases.filter(\.isOpen).map(\.rawValue)
        return try await backend.read { tx in
            try await tx.rows(
                """
                SELECT DISTINCT EXTRACT(YEAR FROM due_on)::bigint AS year FROM letter
                WHERE state = ANY(\(open)) AND due_on IS NOT NULL ORDER BY year
                """
            ).map { try $0.value("year", as: Int.self) }
        }
    }

    private static func checkDeadlineQuery(filter: LetterDeadlineFilter, limit: Int, offset: Int) throws {
        var errors: [FieldError] = []
        let days: Int? =
            switch filter {
            case .dueWithin(let days), .dueSoon(let days): days
            case .overdueOnly, .all: nil
            }
        if let days, days < 0 || days > LetterRules.policyWorkingDaysRange.upperBound {
            errors.append(.invalid("workingDays", "working days must be 0 to \(LetterRules.policyWorkingDaysRange.upperBound)"))
        }
        let maxPage = GRDBMailboxStore.maxDeadlinePageSize
        if !(1...maxPage).contains(limit) {
            errors.append(.invalid("limit", "limit must be 1 to \(maxPage)"))
        }
        if offset < 0 { errors.append(.invalid("offset", "offset must be 0 or more")) }
        try GRDBModerationStore.throwIfInvalid(errors)
    }

    /// The FROM and WHERE of a deadline list, for its rows or its count;
    /// every value a bound parameter.
    private static func deadlineQuery(
        columns: String, filter: LetterDeadlineFilter, departmentID: Int64?, states: [LetterState], today: CivilDate,
        calendar: HolidayCalendar
    ) -> (String, PostgresBindings) {
        let wanted = (states.isEmpty ? LetterState.allCases : states).filter(\.isOpen).map(\.rawValue)
        var bindings = PostgresBindings()
        var sql = "SELECT \(columns)\nFROM letter"
        if let departmentID {
            bindings.append(departmentID)
            sql += """

                JOIN letter_assignment ON letter_assignment.letter_id = letter.id AND letter_assignment.department_id = $\(bindings.count)
                JOIN department ON department.id = letter_assignment.department_id
                """
        } else {
            sql += """

                LEFT JOIN letter_assignment ON letter_assignment.letter_id = letter.id AND letter_assignment.is_lead
                LEFT JOIN department ON department.id = letter.lead_department_id
                """
        }
        bindings.append(wanted)
        sql += "\nWHERE letter.state = ANY($\(bindings.count))"
        switch filter {
        case .overdueOnly:
            // Past due (`LetterWorkflow.isPastDue`): before today.
            bindings.append(today)
            sql += " AND COALESCE(letter_assignment.due_on, letter.due_on) < $\(bindings.count)"
        case .dueWithin(let days):
            bindings.append(calendar.adding(workingDays: days, to: today))
            sql += " AND COALESCE(letter_assignment.due_on, letter.due_on) <= $\(bindings.count)"
        case .dueSoon(let days):
            bindings.append(today)
            bindings.append(calendar.adding(workingDays: days, to: today))
            sql += " AND COALESCE(letter_assignment.due_on, letter.due_on) BETWEEN $\(bindings.count - 1) AND $\(bindings.count)"
        case .all:
            break
        }
        return (sql, bindings)
    }

    private static func deadlineRow(_ tx: PostgresTransaction, _ row: PostgresRandomAccessRow, today: CivilDate, calendar: HolidayCalendar)
        async throws -> LetterDeadlineRow
    {
        let due = try row.value("row_due_on", as: CivilDate?.self)
        let ownDue = try row.value("own_due_on", as: CivilDate?.self)
        let state = try row.value(rawValueOf: "state", as: LetterState.self)
        let received = try row.value("received_on", as: CivilDate.self)
        let id = try row.value("id", as: Int64.self)
        // A co-handler's own date does not stop with the letter's clock.
        let paused = try ownDue == nil && row.value("clock_paused", as: Bool.self)
        var left: Int?
        var stop: ClockStoppage?
        if let due {
            left = LetterRules.workingDays(from: today, to: due, calendar: calendar)
        } else if paused {
            let trace = LetterClock.trace(
                receivedOn: received, workingDays: try row.value("policy_days", as: Int.self),
                events: try await letterClockEvents(tx, letterID: id), calendar: calendar)
            left = trace.deadline.remainingWhilePaused
            stop = trace.currentStop
        }
        return LetterDeadlineRow(
            letterId: id, number: try row.value("number", as: String.self), subject: try row.value("subject", as: String.self),
            type: try row.value(rawValueOf: "type", as: LetterType.self), state: state,
            departmentId: try row.value("department_id", as: Int64?.self), department: try row.value("department_name", as: String?.self),
            coHandling: try row.value("co_handling", as: Bool.self), receivedOn: received, dueOn: due,
            provisional: try ownDue == nil && row.value("due_provisional", as: Bool.self), paused: paused,
            overdue: LetterWorkflow.isOverdue(state: state, dueOn: due, marked: try row.value("overdue", as: Bool.self), today: today),
            workingDaysLeft: left, stopReason: stop.map { $0.reason ?? .thirdParty }, answerDueOn: stop?.answerDueOn,
            transferDueOn: state == .received ? LetterRules.transferDeadline(receivedOn: received, calendar: calendar) : nil)
    }

    // MARK: Triage and transfers (one working day)

    func triageQueue(limit: Int, at now: Date) async throws -> TriageQueue {
        let limit = max(1, min(limit, GRDBMailboxStore.maxDeadlinePageSize))
        let received = LetterState.received.rawValue
        return try await backend.read { tx in
            let calendar = try await PostgresCalendarStore.holidayCalendar(tx)
            let today = CivilDate(now)
            let rows = try await tx.records(
                LetterRecord.self, "SELECT * FROM letter WHERE state = \(received) ORDER BY received_at, id LIMIT \(limit)"
            ).map { record in
                let due = LetterRules.transferDeadline(receivedOn: record.receivedOn, calendar: calendar)
                return TriageQueueRow(
                    letterId: record.id!, number: record.number, subject: record.subject, type: record.type,
                    receivedOn: record.receivedOn, transferDueOn: due, late: today > due)
            }
            let total = try await tx.scalar("SELECT COUNT(*) FROM letter WHERE state = \(received)", as: Int.self) ?? 0
            // Received on or before this day, a letter is past its transfer
            // deadline today.
            var lastOnTime = today
            while LetterRules.transferDeadline(receivedOn: lastOnTime, calendar: calendar) >= today {
                lastOnTime = CivilDate(daysSinceEpoch: lastOnTime.daysSinceEpoch - 1)
            }
            let late =
                try await tx.scalar(
                    "SELECT COUNT(*) FROM letter WHERE state = \(received) AND received_on <= \(lastOnTime)", as: Int.self) ?? 0
            return TriageQueue(rows: rows, total: total, late: late)
        }
    }

    func transferStatistics(from: CivilDate, to: CivilDate) async throws -> TransferStatistics {
        try await backend.read { tx in
            let row = try await tx.row(
                """
                SELECT COUNT(*) AS transferred,
                       COALESCE(SUM(CASE WHEN clock_days <= \(LetterRules.transferWorkingDays) THEN 1 ELSE 0 END), 0)::bigint AS within
                FROM letter_event WHERE kind = 'transferred' AND clock_on BETWEEN \(from) AND \(to)
                """)
            return TransferStatistics(
                transferred: try row?.value("transferred", as: Int.self) ?? 0, withinDeadline: try row?.value("within", as: Int.self) ?? 0)
        }
    }
}
