import Foundation
import GRDB
import WenzhengCore

extension AppDatabase {
    // MARK: Information-disclosure clock

    /// Extends an information-disclosure request's period, once, by 1…20
    /// working days, approved by the actor (a reviewer or an admin) and
    /// with the notice the applicant is sent. Only before the deadline has
    /// passed.
    public func extendLetter(id: Int64, workingDays: Int, notice: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        var errors: [FieldError] = []
        if !(1...LetterRules.maxExtensionWorkingDays).contains(workingDays) {
            errors.append(.invalid("workingDays", "an extension is 1 to \(LetterRules.maxExtensionWorkingDays) working days"))
        }
        let notice = TextRules.requiredText(notice, field: "notice", maxLength: LetterRules.commentMaxLength, into: &errors)
        try Self.throwIfInvalid(errors)
        return try await clockAction(id: id, action: "extend it", audit: "letter.extend", approver: true, actor: actor, at: now) {
            db, record, today in
            let extended = try LetterEventRecord.filter(LetterEventRecord.Columns.letterId == record.id!)
                .filter(LetterEventRecord.Columns.clockKind == ClockEvent.Kind.extended.rawValue).fetchCount(db)
            guard extended == 0 else { throw StoreError.conflict("letter \(record.number) was already extended once") }
            if let due = record.dueOn.flatMap(CivilDate.init), due < today {
                throw StoreError.conflict("letter \(record.number) was due on \(due); an extension must come before the deadline")
            }
            return (.extended, notice, (.extended, today, workingDays))
        }
    }

    /// Stops the clock while a third party or another agency is consulted.
    public func pauseLetter(id: Int64, reason: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let reason = TextRules.requiredText(reason, field: "reason", maxLength: LetterRules.commentMaxLength, into: &errors)
        try Self.throwIfInvalid(errors)
        return try await clockAction(id: id, action: "pause its clock", audit: "letter.pause", actor: actor, at: now) { _, record, today in
            guard !record.clockPaused else { throw StoreError.conflict("letter \(record.number)'s clock is already stopped") }
            return (.paused, reason, (.paused, today, nil))
        }
    }

    /// Starts a paused clock again (not one stopped by a correction notice:
    /// that one restarts with `correctedRequestReceived`).
    public func resumeLetter(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try await clockAction(id: id, action: "resume its clock", audit: "letter.resume", actor: actor, at: now) { db, record, today in
            guard record.clockPaused else { throw StoreError.conflict("letter \(record.number)'s clock is running") }
            if try Self.pausedForCorrection(db, letterID: record.id!) {
                throw StoreError.conflict("letter \(record.number) waits for the corrected request; record its arrival instead")
            }
            return (.resumed, nil, (.resumed, today, nil))
        }
    }

    /// Sends the correction notice (补正告知), once, within 7 working days
    /// of receipt. The clock stops until the corrected request arrives.
    public func sendCorrectionNotice(id: Int64, text: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(text, field: "text", maxLength: LetterRules.commentMaxLength, into: &errors)
        try Self.throwIfInvalid(errors)
        return try await clockAction(
            id: id, action: "send a correction notice", audit: "letter.correction_notice", actor: actor, at: now
        ) { db, record, today in
            let sent = try LetterEventRecord.filter(LetterEventRecord.Columns.letterId == record.id!)
                .filter(LetterEventRecord.Columns.kind == LetterEventKind.correctionNotice.rawValue).fetchCount(db)
            guard sent == 0 else { throw StoreError.conflict("letter \(record.number) already had its correction notice") }
            guard !record.clockPaused else { throw StoreError.conflict("letter \(record.number)'s clock is stopped") }
            let last = LetterRules.correctionNoticeDeadline(receivedOn: try record.received, calendar: try Self.holidayCalendar(db))
            guard today <= last else {
                throw StoreError.conflict(
                    "a correction notice goes out within \(LetterRules.correctionNoticeWorkingDays) working days of receipt (by \(last))")
            }
            return (.correctionNotice, text, (.paused, today, nil))
        }
    }

    /// The corrected request arrived: the period starts again from today.
    public func correctedRequestReceived(id: Int64, note: String? = nil, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        var errors: [FieldError] = []
        let note = TextRules.optionalText(note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try Self.throwIfInvalid(errors)
        return try await clockAction(
            id: id, action: "restart its clock", audit: "letter.corrected_request", actor: actor, at: now
        ) { db, record, today in
            guard record.clockPaused, try Self.pausedForCorrection(db, letterID: record.id!) else {
                throw StoreError.conflict("letter \(record.number) is not waiting for a corrected request")
            }
            return (.restarted, note, (.restarted, today, nil))
        }
    }

    /// The shared shape of a clock action on an open information-disclosure
    /// request: who may act (the approver of an extension: a reviewer or an
    /// admin; otherwise those who work on the letter), the letter's type and
    /// state, then `decide`'s own checks; append the event, recompute the
    /// deadline, audit.
    private func clockAction(
        id: Int64, action: String, audit: String, approver: Bool = false, actor: AuthenticatedStaff, at now: Date,
        decide:
            @escaping @Sendable (Database, LetterRecord, CivilDate) throws -> (
                LetterEventKind, String?, (kind: ClockEvent.Kind, on: CivilDate, days: Int?)
            )
    ) async throws -> LetterView {
        try await writer.write { db in
            var record = try Self.existingLetter(db, id: id)
            let today = CivilDate(now)
            if approver { try Self.ensureReviews(actor) } else { try Self.ensureWorksOn(actor, record) }
            guard record.type == .informationDisclosure else {
                throw StoreError.conflict(
                    "only information-disclosure requests have this clock; letter \(record.number) is a \(record.type.rawValue)")
            }
            try Self.ensureState(record, in: Set(LetterState.allCases.filter(\.isOpen)), to: action)
            let (kind, note, clock) = try decide(db, record, today)
            let before = AuditedLetter(record)
            try Self.appendLetterEvent(db, letterID: id, kind: kind, actor: .staff(actor), note: note, clock: clock, at: now)
            try Self.recomputeDeadline(db, &record, calendar: try Self.holidayCalendar(db), today: today)
            record.updatedAt = now
            try record.update(db)
            try Self.auditLetter(db, actor: actor, action: audit, before: before, after: record, at: now)
            return try Self.letterView(db, record)
        }
    }

    static func pausedForCorrection(_ db: Database, letterID: Int64) throws -> Bool {
        let last = try LetterEventRecord.filter(LetterEventRecord.Columns.letterId == letterID)
            .filter(
                [ClockEvent.Kind.paused.rawValue, ClockEvent.Kind.resumed.rawValue, ClockEvent.Kind.restarted.rawValue]
                    .contains(LetterEventRecord.Columns.clockKind)
            )
            .order(LetterEventRecord.Columns.id.desc).fetchOne(db)
        return last?.kind == .correctionNotice
    }

    // MARK: Recomputing

    /// The clock events of a letter, in the order they happened.
    static func letterClockEvents(_ db: Database, letterID: Int64) throws -> [ClockEvent] {
        try LetterEventRecord.filter(LetterEventRecord.Columns.letterId == letterID)
            .filter(LetterEventRecord.Columns.clockKind != nil)
            .order(LetterEventRecord.Columns.id).fetchAll(db)
            .compactMap { event in
                guard let kind = event.clockKind, let on = event.clockOn.flatMap(CivilDate.init) else { return nil }
                return ClockEvent(kind: kind, on: on, workingDays: event.clockDays)
            }
    }

    /// Sets `due_on`, `due_provisional` and `clock_paused` from the letter's
    /// receipt, period and stored clock events (not saved). A deadline that
    /// moved back ahead of today is no longer overdue.
    static func recomputeDeadline(_ db: Database, _ record: inout LetterRecord, calendar: HolidayCalendar, today: CivilDate) throws {
        let events = try record.id.map { try letterClockEvents(db, letterID: $0) } ?? []
        let deadline = LetterClock.deadline(
            receivedOn: try record.received, workingDays: record.policyDays, events: events, calendar: calendar,
            isProvisional: { !calendar.hasData(forYear: $0.year) })
        record.dueOn = deadline.dueOn?.description
        record.dueProvisional = deadline.provisional
        record.clockPaused = deadline.paused
        if deadline.dueOn.map({ $0 >= today }) ?? true { record.overdue = false }
    }

    /// Recomputes every open letter's deadline on `calendar`, inside the
    /// caller's transaction (a calendar import). Returns the letters whose
    /// deadline changed.
    @discardableResult
    static func recomputeOpenDeadlines(_ db: Database, calendar: HolidayCalendar, at now: Date) throws -> [Int64] {
        let today = CivilDate(now)
        let open = LetterState.allCases.filter(\.isOpen).map(\.rawValue)
        var changed: [Int64] = []
        for var record in try LetterRecord.filter(open.contains(LetterRecord.Columns.state)).fetchAll(db) {
            let before = (record.dueOn, record.dueProvisional, record.clockPaused, record.overdue)
            try recomputeDeadline(db, &record, calendar: calendar, today: today)
            if before != (record.dueOn, record.dueProvisional, record.clockPaused, record.overdue) {
                record.updatedAt = now
                try record.update(db)
                changed.append(record.id!)
            }
        }
        return changed
    }

    // MARK: Deadline lists

    /// Open letters and their deadlines, soonest first (paused ones last).
    ///
    /// - Parameter departmentID: only letters this department leads, and
    ///   its co-handling shares (with their own due dates).
    public func openLetterDeadlines(filter: LetterDeadlineFilter = .all, departmentID: Int64? = nil, at now: Date) async throws
        -> [LetterDeadlineRow]
    {
        if case .dueWithin(let days) = filter, days < 0 || days > LetterRules.policyWorkingDaysRange.upperBound {
            throw StoreError.invalid(
                ValidationFailure([.invalid("workingDays", "working days must be 0 to \(LetterRules.policyWorkingDaysRange.upperBound)")]))
        }
        return try await reader.read { db in
            let calendar = try Self.holidayCalendar(db)
            let today = CivilDate(now)
            let open = LetterState.allCases.filter(\.isOpen).map { "'\($0.rawValue)'" }.joined(separator: ", ")
            var sql = """
                SELECT letter.id, letter.number, letter.subject, letter.type, letter.state, letter.received_on,
                       letter.due_provisional, letter.clock_paused, letter.policy_days,
                       COALESCE(letter_assignment.due_on, letter.due_on) AS row_due_on,
                       letter_assignment.due_on AS own_due_on,
                       department.id AS department_id, department.name AS department_name,
                       CASE WHEN letter_assignment.is_lead = 0 THEN 1 ELSE 0 END AS co_handling
                FROM letter
                """
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
            sql += "\nWHERE letter.state IN (\(open))"
            switch filter {
            case .overdueOnly:
                sql += " AND COALESCE(letter_assignment.due_on, letter.due_on) < ?"
                arguments += [today.description]
            case .dueWithin(let days):
                sql += " AND COALESCE(letter_assignment.due_on, letter.due_on) <= ?"
                arguments += [calendar.adding(workingDays: days, to: today).description]
            case .all:
                break
            }
            sql += "\nORDER BY row_due_on IS NULL, row_due_on, letter.number"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let due: String? = row["row_due_on"]
                let ownDue: String? = row["own_due_on"]
                // A co-handler's own date does not stop with the letter's clock.
                let paused = ownDue == nil && row["clock_paused"] as Bool
                var left: Int?
                if let due = due.flatMap(CivilDate.init) {
                    left = LetterRules.workingDays(from: today, to: due, calendar: calendar)
                } else if paused, let received = CivilDate(row["received_on"] as String) {
                    let events = try Self.letterClockEvents(db, letterID: row["id"])
                    left =
                        LetterClock.deadline(receivedOn: received, workingDays: row["policy_days"], events: events, calendar: calendar)
                        .remainingWhilePaused
                }
                return LetterDeadlineRow(
                    letterId: row["id"], number: row["number"], subject: row["subject"], type: LetterType(rawValue: row["type"])!,
                    state: LetterState(rawValue: row["state"])!, departmentId: row["department_id"],
                    department: row["department_name"], coHandling: row["co_handling"], receivedOn: row["received_on"],
                    dueOn: due, provisional: ownDue == nil && row["due_provisional"] as Bool, paused: paused,
                    overdue: due.map { $0 < today.description } ?? false, workingDaysLeft: left)
            }
        }
    }

    /// Marks open letters whose deadline has passed as overdue, once each,
    /// with an `overdue` event. Returns the letters marked now; running it
    /// again the same day marks nothing.
    public func markOverdueLetters(at now: Date) async throws -> [LetterView] {
        try await writer.write { db in
            let today = CivilDate(now)
            let open = LetterState.allCases.filter(\.isOpen).map(\.rawValue)
            let records =
                try LetterRecord
                .filter(open.contains(LetterRecord.Columns.state))
                .filter(LetterRecord.Columns.overdue == false && LetterRecord.Columns.clockPaused == false)
                .filter(LetterRecord.Columns.dueOn < today.description)
                .order(LetterRecord.Columns.dueOn, LetterRecord.Columns.id).fetchAll(db)
            return try records.map { record in
                var record = record
                record.overdue = true
                record.updatedAt = now
                try record.update(db)
                try Self.appendLetterEvent(
                    db, letterID: record.id!, kind: .overdue, actor: .system, note: record.dueOn.map { "due \($0)" }, at: now)
                return try Self.letterView(db, record)
            }
        }
    }
}
