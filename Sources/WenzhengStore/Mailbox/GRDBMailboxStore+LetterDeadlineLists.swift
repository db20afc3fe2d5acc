import Foundation
import GRDB
import WenzhengCore

extension GRDBMailboxStore {
    /// The most rows one page of a deadline list holds (API, pages, CLI):
    /// a read never loads every open letter at once.
    public static let maxDeadlinePageSize = 200

    // MARK: Deadline lists

    /// One page of open letters and their deadlines, soonest first (paused
    /// ones last).
    ///
    /// - Parameters:
    ///   - departmentID: only letters this department leads, and its
    ///     co-handling shares (with their own due dates).
    ///   - states: only these states (all open ones when empty).
    ///   - limit: 1…`maxDeadlinePageSize`.
    func openLetterDeadlines(
        filter: LetterDeadlineFilter, departmentID: Int64?, states: [LetterState],
        limit: Int, offset: Int, at now: Date
    ) async throws -> LetterDeadlinePage {
        try Self.checkDeadlineQuery(filter: filter, limit: limit, offset: offset)
        return try await reader.read { db in
            let calendar = try GRDBCalendarStore.holidayCalendar(db)
            let today = CivilDate(now)
            var (sql, arguments) = Self.deadlineQuery(
                columns: """
                    letter.id, letter.number, letter.subject, letter.type, letter.state, letter.received_on,
                    letter.due_provisional, letter.clock_paused, letter.policy_days, letter.overdue,
                    COALESCE(letter_assignment.due_on, letter.due_on) AS row_due_on,
                    letter_assignment.due_on AS own_due_on,
                    department.id AS department_id, department.name AS department_name,
                    CASE WHEN letter_assignment.is_lead = 0 THEN 1 ELSE 0 END AS co_handling
                    """,
                filter: filter, departmentID: departmentID, states: states, today: today, calendar: calendar)
            sql += "\nORDER BY row_due_on IS NULL, row_due_on, letter.number LIMIT ? OFFSET ?"
            arguments += [limit + 1, offset]
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let page = try rows.prefix(limit).map { row in
                try Self.deadlineRow(db, row, today: today, calendar: calendar)
            }
            return LetterDeadlinePage(rows: page, more: rows.count > limit)
        }
    }

    /// How many rows `openLetterDeadlines` would list over all its pages.
    func countOpenLetterDeadlines(
        filter: LetterDeadlineFilter, departmentID: Int64?, states: [LetterState], at now: Date
    ) async throws -> Int {
        try Self.checkDeadlineQuery(filter: filter, limit: 1, offset: 0)
        return try await reader.read { db in
            let (sql, arguments) = Self.deadlineQuery(
                columns: "COUNT(*)", filter: filter, departmentID: departmentID, states: states, today: CivilDate(now),
                calendar: try GRDBCalendarStore.holidayCalendar(db))
            return try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
        }
    }

    /// The years open letters fall due in, read as a few distinct values
    /// rather than by loading the letters.
    func openDeadlineYears() async throws -> [Int] {
        let open = LetterState.allCases.filter(\.isOpen).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try await reader.read { db in
            try Int.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT CAST(substr(due_on, 1, 4) AS INTEGER) AS year FROM letter
                    WHERE state IN (\(open)) AND due_on IS NOT NULL ORDER BY year
                    """)
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
        if !(1...maxDeadlinePageSize).contains(limit) {
            errors.append(.invalid("limit", "limit must be 1 to \(maxDeadlinePageSize)"))
        }
        if offset < 0 { errors.append(.invalid("offset", "offset must be 0 or more")) }
        try GRDBModerationStore.throwIfInvalid(errors)
    }

    /// The FROM and WHERE of a deadline list, for its rows or its count.
    private static func deadlineQuery(
        columns: String, filter: LetterDeadlineFilter, departmentID: Int64?, states: [LetterState], today: CivilDate,
        calendar: HolidayCalendar
    ) -> (String, StatementArguments) {
        let wanted = (states.isEmpty ? LetterState.allCases : states).filter(\.isOpen)
        let inList = wanted.isEmpty ? "NULL" : wanted.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        var sql = "SELECT \(columns)\nFROM letter"
        var arguments: StatementArguments = []
        if let departmentID {
            sql += """

                JOIN letter_assignment ON letter_assignment.letter_id = letter.id AND letter_assignment.department_id = ?
                JOIN department ON department.id = letter_assignment.department_id
                """
            arguments += [departmentID]
        } else {
            sql += """

                LEFT JOIN letter_assignment ON letter_assignment.letter_id = letter.id AND letter_assignment.is_lead
                LEFT JOIN department ON department.id = letter.lead_department_id
                """
        }
        sql += "\nWHERE letter.state IN (\(inList))"
        switch filter {
        case .overdueOnly:
            // Past due (`LetterWorkflow.isPastDue`): before today.
            sql += " AND COALESCE(letter_assignment.due_on, letter.due_on) < ?"
            arguments += [today]
        case .dueWithin(let days):
            sql += " AND COALESCE(letter_assignment.due_on, letter.due_on) <= ?"
            arguments += [calendar.adding(workingDays: days, to: today)]
        case .dueSoon(let days):
            sql += " AND COALESCE(letter_assignment.due_on, letter.due_on) BETWEEN ? AND ?"
            arguments += [today, calendar.adding(workingDays: days, to: today)]
        case .all:
            break
        }
        return (sql, arguments)
    }

    private static func deadlineRow(_ db: Database, _ row: Row, today: CivilDate, calendar: HolidayCalendar) throws
        -> LetterDeadlineRow
    {
        let due = try row.decode(CivilDate?.self, forColumn: "row_due_on")
        let ownDue = try row.decode(CivilDate?.self, forColumn: "own_due_on")
        let state = LetterState(rawValue: row["state"])!
        let received = try row.decode(CivilDate.self, forColumn: "received_on")
        // A co-handler's own date does not stop with the letter's clock.
        let paused = ownDue == nil && row["clock_paused"] as Bool
        var left: Int?
        var stop: ClockStoppage?
        if let due {
            left = LetterRules.workingDays(from: today, to: due, calendar: calendar)
        } else if paused {
            let trace = LetterClock.trace(
                receivedOn: received, workingDays: row["policy_days"], events: try letterClockEvents(db, letterID: row["id"]),
                calendar: calendar)
            left = trace.deadline.remainingWhilePaused
            stop = trace.currentStop
        }
        return LetterDeadlineRow(
            letterId: row["id"], number: row["number"], subject: row["subject"], type: LetterType(rawValue: row["type"])!,
            state: state, departmentId: row["department_id"], department: row["department_name"], coHandling: row["co_handling"],
            receivedOn: received, dueOn: due, provisional: ownDue == nil && row["due_provisional"] as Bool, paused: paused,
            overdue: LetterWorkflow.isOverdue(state: state, dueOn: due, marked: row["overdue"], today: today), workingDaysLeft: left,
            stopReason: stop.map { $0.reason ?? .thirdParty }, answerDueOn: stop?.answerDueOn,
            transferDueOn: state == .received ? LetterRules.transferDeadline(receivedOn: received, calendar: calendar) : nil)
    }

    // MARK: Triage and transfers (one working day)

    /// The letters waiting for triage, oldest first (the first `limit`),
    /// with the day each must be transferred by if it is outside our
    /// competence, how many there are and how many are past that day.
    func triageQueue(limit: Int, at now: Date) async throws -> TriageQueue {
        try await reader.read { db in
            let calendar = try GRDBCalendarStore.holidayCalendar(db)
            let today = CivilDate(now)
            let rows = try LetterRecord.filter(LetterRecord.Columns.state == LetterState.received.rawValue)
                .order(LetterRecord.Columns.receivedAt, LetterRecord.Columns.id)
                .limit(max(1, min(limit, Self.maxDeadlinePageSize))).fetchAll(db)
                .map { record in
                    let due = LetterRules.transferDeadline(receivedOn: record.receivedOn, calendar: calendar)
                    return TriageQueueRow(
                        letterId: record.id!, number: record.number, subject: record.subject, type: record.type,
                        receivedOn: record.receivedOn, transferDueOn: due, late: today > due)
                }
            let total = try LetterRecord.filter(LetterRecord.Columns.state == LetterState.received.rawValue).fetchCount(db)
            // Received on or before this day, a letter is past its transfer
            // deadline today.
            var lastOnTime = today
            while LetterRules.transferDeadline(receivedOn: lastOnTime, calendar: calendar) >= today {
                lastOnTime = CivilDate(daysSinceEpoch: lastOnTime.daysSinceEpoch - 1)
            }
            let late = try LetterRecord.filter(LetterRecord.Columns.state == LetterState.received.rawValue)
                .filter(Column("received_on") <= lastOnTime).fetchCount(db)
            return TriageQueue(rows: rows, total: total, late: late)
        }
    }

    /// Letters transferred from `from` to `to` (office dates, inclusive), and
    /// how many within `LetterRules.transferWorkingDays` of receipt (the
    /// transfer event records the working days it took).
    func transferStatistics(from: CivilDate, to: CivilDate) async throws -> TransferStatistics {
        try await reader.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS transferred,
                           COALESCE(SUM(CASE WHEN clock_days <= ? THEN 1 ELSE 0 END), 0) AS within
                    FROM letter_event WHERE kind = 'transferred' AND clock_on BETWEEN ? AND ?
                    """,
                arguments: [LetterRules.transferWorkingDays, from, to])
            return TransferStatistics(transferred: row?["transferred"] ?? 0, withinDeadline: row?["within"] ?? 0)
        }
    }
}
