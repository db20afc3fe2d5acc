import Foundation
import PostgresNIO
import WenzhengCore

// The information-disclosure clock and the periodic sweep on PostgreSQL
// (`GRDBMailboxStore+LetterDeadlines.swift`).
extension PostgresMailboxStore {
    // MARK: Information-disclosure clock

    func extendLetter(id: Int64, workingDays: Int, notice: String, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date)
        async throws -> LetterView
    {
        var errors: [FieldError] = []
        if !(1...LetterRules.maxExtensionWorkingDays).contains(workingDays) {
            errors.append(.invalid("workingDays", "an extension is 1 to \(LetterRules.maxExtensionWorkingDays) working days"))
        }
        let notice = TextRules.requiredText(notice, field: "notice", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .extend(workingDays: workingDays), kind: .extended, note: notice, on: entry.on, audit: "letter.extend",
            actor: actor, at: now)
    }

    func pauseLetter(id: Int64, reason: ClockStopReason, note: String, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date)
        async throws -> LetterView
    {
        var errors: [FieldError] = []
        let note = TextRules.requiredText(note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .pause(reason), kind: .paused, note: note, on: entry.on, audit: "letter.pause", actor: actor, at: now)
    }

    func resumeLetter(id: Int64, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let note = TextRules.optionalText(entry.note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .resume, kind: .resumed, note: note, on: entry.on, audit: "letter.resume", actor: actor, at: now)
    }

    func sendCorrectionNotice(id: Int64, text: String, correctionDays: Int, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date)
        async throws -> LetterView
    {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(text, field: "text", maxLength: LetterRules.commentMaxLength, into: &errors)
        if !LetterClockRules.correctionPeriodRange.contains(correctionDays) {
            let range = LetterClockRules.correctionPeriodRange
            errors.append(.invalid("correctionDays", "the applicant gets \(range.lowerBound) to \(range.upperBound) working days to correct"))
        }
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .correctionNotice(workingDays: correctionDays), kind: .correctionNotice, note: text, on: entry.on,
            audit: "letter.correction_notice", actor: actor, at: now)
    }

    func correctedRequestReceived(id: Int64, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let note = TextRules.optionalText(entry.note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .correctedRequest, kind: .restarted, note: note, on: entry.on, audit: "letter.corrected_request", actor: actor,
            at: now)
    }

    func deemWithdrawn(id: Int64, note: String?, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let note = TextRules.optionalText(note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .deemedWithdrawn, kind: .withdrawn, note: note, on: nil, audit: "letter.deemed_withdrawn", actor: actor, at: now)
    }

    /// The shared shape of a clock action (see `GRDBMailboxStore.clockAction`).
    private func clockAction(
        id: Int64, _ action: ClockAction, kind: LetterEventKind, note: String?, on: CivilDate?, audit: String,
        actor: AuthenticatedStaff, at now: Date
    ) async throws -> LetterView {
        try await backend.write { tx in
            var record = try await Self.existingLetter(tx, id: id)
            let today = CivilDate(now)
            let calendar = try await PostgresCalendarStore.holidayCalendar(tx)
            let on = on ?? today
            try GRDBMailboxStore.enforce(
                LetterWorkflow.refusal(
                    clock: action, dated: on, try await Self.workflowFacts(tx, record), by: actor.letterActor, today: today,
                    calendar: calendar))
            let clock: ClockEvent? =
                switch action {
                case .extend(let days): ClockEvent(kind: .extended, on: on, workingDays: days)
                case .pause(let reason): ClockEvent(kind: .paused, on: on, reason: reason)
                case .resume: ClockEvent(kind: .resumed, on: on)
                case .correctionNotice(let days): ClockEvent(kind: .paused, on: on, workingDays: days, reason: .correction)
                case .correctedRequest: ClockEvent(kind: .restarted, on: on)
                case .deemedWithdrawn: nil
                }
            let before = AuditedLetter(record)
            try await Self.appendLetterEvent(tx, letterID: id, kind: kind, actor: .staff(actor), note: note, clockEvent: clock, at: now)
            if action == .deemedWithdrawn { record.state = .withdrawn }
            try await Self.recomputeDeadline(tx, &record, calendar: calendar, today: today)
            record.updatedAt = now
            try await Self.save(tx, record)
            try await Self.auditLetter(tx, actor: actor, action: audit, before: before, after: record, at: now)
            return try await Self.letterView(tx, record)
        }
    }

    // MARK: Recomputing

    /// The clock events of a letter, in the order they happened; a
    /// correction notice stops the clock for a correction.
    static func letterClockEvents(_ tx: PostgresTransaction, letterID: Int64) async throws -> [ClockEvent] {
        try await tx.records(
            LetterEventRecord.self, "SELECT * FROM letter_event WHERE letter_id = \(letterID) AND clock_kind IS NOT NULL ORDER BY id"
        ).compactMap { event in
            guard let kind = event.clockKind, let on = event.clockOn else { return nil }
            let reason = event.kind == .correctionNotice ? .correction : event.clockReason
            return ClockEvent(kind: kind, on: on, workingDays: event.clockDays, reason: reason)
        }
    }

    /// The letter's clock walked through the given events.
    static func clockTrace(_ record: LetterRecord, calendar: HolidayCalendar, events: [ClockEvent]) -> ClockTrace {
        LetterClock.trace(
            receivedOn: record.receivedOn, workingDays: record.policyDays, events: events, calendar: calendar,
            isProvisional: calendar.isProvisional)
    }

    /// The letter's clock walked through its stored events (none before
    /// the letter is stored).
    static func clockTrace(_ tx: PostgresTransaction, _ record: LetterRecord, calendar: HolidayCalendar) async throws -> ClockTrace {
        var events: [ClockEvent] = []
        if let id = record.id { events = try await letterClockEvents(tx, letterID: id) }
        return clockTrace(record, calendar: calendar, events: events)
    }

    /// Sets `due_on`, `due_provisional` and `clock_paused` (not saved); see
    /// `GRDBMailboxStore.recomputeDeadline`.
    static func recomputeDeadline(_ tx: PostgresTransaction, _ record: inout LetterRecord, calendar: HolidayCalendar, today: CivilDate)
        async throws
    {
        let deadline = try await clockTrace(tx, record, calendar: calendar).deadline
        record.dueOn = deadline.dueOn
        record.dueProvisional = deadline.provisional
        record.clockPaused = deadline.paused
        if deadline.dueOn.map({ $0 >= today }) ?? true { record.overdue = false }
    }

    /// Recomputes deadlines on `calendar` inside the caller's transaction
    /// (see `GRDBMailboxStore.recomputeDeadlines`). Returns the letters
    /// whose own deadline changed.
    @discardableResult
    static func recomputeDeadlines(_ tx: PostgresTransaction, calendar: HolidayCalendar, at now: Date) async throws -> [Int64] {
        let today = CivilDate(now)
        let open = LetterState.allCases.filter(\.isOpen).map(\.rawValue)
        var changed: [Int64] = []
        let letters = try await tx.records(
            LetterRecord.self,
            """
            SELECT * FROM letter
            WHERE state = ANY(\(open)) OR (state = \(LetterState.replied.rawValue) AND due_provisional)
            ORDER BY id
            """)
        for var record in letters {
            let before = (record.dueOn, record.dueProvisional, record.clockPaused, record.overdue)
            try await recomputeDeadline(tx, &record, calendar: calendar, today: today)
            if before != (record.dueOn, record.dueProvisional, record.clockPaused, record.overdue) {
                record.updatedAt = now
                try await save(tx, record)
                changed.append(record.id!)
            }
        }
        let replies = try await tx.records(
            LetterReplyRecord.self, "SELECT * FROM letter_reply WHERE due_provisional OR working_days IS NULL ORDER BY id")
        for var reply in replies {
            guard let letter = try await tx.record(LetterRecord.self, "SELECT * FROM letter WHERE id = \(reply.letterId)") else { continue }
            let before = (reply.dueOn, reply.dueProvisional, reply.workingDays)
            try await computeReplyClock(tx, &reply, letter: letter, calendar: calendar)
            if before != (reply.dueOn, reply.dueProvisional, reply.workingDays) {
                try await tx.update("letter_reply", reply, id: reply.id!)
            }
        }
        return changed
    }

    /// Sets a reply's due date, provisional flag and working days from the
    /// clock of its own period: the events before the follow-up that
    /// opened the next period.
    static func computeReplyClock(
        _ tx: PostgresTransaction, _ reply: inout LetterReplyRecord, letter: LetterRecord, calendar: HolidayCalendar
    ) async throws {
        var reopens = 0
        let own = try await letterClockEvents(tx, letterID: reply.letterId).prefix { event in
            if event.kind == .reopened { reopens += 1 }
            return reopens < reply.round
        }
        let trace = clockTrace(letter, calendar: calendar, events: Array(own))
        reply.dueOn = trace.deadline.dueOn
        reply.dueProvisional = trace.deadline.provisional
        reply.workingDays = trace.workingDaysOnClock(through: reply.repliedOn, calendar: calendar)
    }

    // MARK: The periodic sweep

    func sweepLetterClocks(at now: Date, recomputeAll: Bool) async throws -> LetterClockSweep {
        try await backend.write { tx in
            let today = CivilDate(now)
            let calendar = try await PostgresCalendarStore.holidayCalendar(tx)
            if recomputeAll { try await Self.recomputeDeadlines(tx, calendar: calendar, at: now) }
            let open = LetterState.allCases.filter(\.isOpen).map(\.rawValue)
            var sweep = LetterClockSweep()
            let stopped = try await tx.records(
                LetterRecord.self, "SELECT * FROM letter WHERE state = ANY(\(open)) AND clock_paused ORDER BY id")
            for var record in stopped {
                let trace = try await Self.clockTrace(tx, record, calendar: calendar)
                let lapsed = trace.consultationLapsed(today: today)
                if let lapsed {
                    try await Self.appendLetterEvent(
                        tx, letterID: record.id!, kind: .resumed, actor: .system, clockEvent: ClockEvent(kind: .resumed, on: lapsed),
                        at: now)
                }
                let before = (record.dueOn, record.clockPaused)
                try await Self.recomputeDeadline(tx, &record, calendar: calendar, today: today)
                if before != (record.dueOn, record.clockPaused) {
                    record.updatedAt = now
                    try await Self.save(tx, record)
                }
                if lapsed != nil { sweep.resumed.append(try await Self.letterView(tx, record)) }
            }
            let records = try await tx.records(
                LetterRecord.self,
                """
                SELECT * FROM letter
                WHERE state = ANY(\(open)) AND NOT overdue AND NOT clock_paused AND due_on < \(today)
                ORDER BY due_on, id
                """)
            for var record in records {
                record.overdue = true
                record.updatedAt = now
                try await Self.save(tx, record)
                try await Self.appendLetterEvent(
                    tx, letterID: record.id!, kind: .overdue, actor: .system, note: record.dueOn.map { "due \($0)" }, at: now)
                sweep.overdue.append(try await Self.letterView(tx, record))
            }
            return sweep
        }
    }

    func markOverdueLetters(at now: Date) async throws -> [LetterView] {
        try await sweepLetterClocks(at: now, recomputeAll: false).overdue
    }
}
