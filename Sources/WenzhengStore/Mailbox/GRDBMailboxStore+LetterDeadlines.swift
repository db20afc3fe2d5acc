import Foundation
import GRDB
import WenzhengCore

extension GRDBMailboxStore {
    // MARK: Information-disclosure clock

    /// Extends an information-disclosure request's period, once per
    /// period, by 1…20 working days, approved by the actor (a reviewer or
    /// an admin) and with the notice the applicant is sent. Only while the
    /// deadline has not passed on the day it is recorded.
    ///
    /// - Parameter entry: the day it was approved (up to 3 working days
    ///   back; `LetterClockRules`).
    func extendLetter(
        id: Int64, workingDays: Int, notice: String, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date
    ) async throws -> LetterView {
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

    /// Stops the clock while a third party (art. 32) or another agency
    /// (art. 34) is consulted; they have 15 working days to answer, and the
    /// clock stops for no longer. Only while the deadline has not passed
    /// on the day it is recorded.
    ///
    /// - Parameter note: who is consulted and about what.
    func pauseLetter(
        id: Int64, reason: ClockStopReason, note: String, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date
    ) async throws -> LetterView {
        var errors: [FieldError] = []
        let note = TextRules.requiredText(note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .pause(reason), kind: .paused, note: note, on: entry.on, audit: "letter.pause", actor: actor, at: now)
    }

    /// The consulted party answered: the clock runs again from that day
    /// (not one stopped by a correction notice: that one restarts with
    /// `correctedRequestReceived`).
    func resumeLetter(id: Int64, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        var errors: [FieldError] = []
        let note = TextRules.optionalText(entry.note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .resume, kind: .resumed, note: note, on: entry.on, audit: "letter.resume", actor: actor, at: now)
    }

    /// Sends the correction notice (补正告知, art. 30), once, within 7
    /// working days of receipt, giving the applicant `correctionDays`
    /// working days to correct. The clock stops until the corrected
    /// request arrives.
    func sendCorrectionNotice(
        id: Int64, text: String, correctionDays: Int, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date
    ) async throws -> LetterView {
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

    /// The corrected request arrived: the full period starts again from
    /// that day, without any earlier extension (art. 30).
    func correctedRequestReceived(id: Int64, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date)
        async throws -> LetterView
    {
        var errors: [FieldError] = []
        let note = TextRules.optionalText(entry.note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .correctedRequest, kind: .restarted, note: note, on: entry.on, audit: "letter.corrected_request", actor: actor,
            at: now)
    }

    /// Closes a request whose correction did not arrive within the period
    /// given as abandoned (视为放弃, art. 30): state `withdrawn`, with its own
    /// timeline event. Only after that period has ended.
    func deemWithdrawn(id: Int64, note: String?, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let note = TextRules.optionalText(note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await clockAction(
            id: id, .deemedWithdrawn, kind: .withdrawn, note: note, on: nil, audit: "letter.deemed_withdrawn", actor: actor, at: now)
    }

    /// The shared shape of a clock action on an open information-disclosure
    /// request: the workflow's refusal (`LetterWorkflow.refusal(clock:…)`:
    /// who may act, the letter's type and state, then `LetterClockRules`
    /// on its events); append the event dated `on` (today when nil),
    /// recompute the deadline, audit.
    private func clockAction(
        id: Int64, _ action: ClockAction, kind: LetterEventKind, note: String?, on: CivilDate?, audit: String,
        actor: AuthenticatedStaff, at now: Date
    ) async throws -> LetterView {
        try await writer.write { db in
            var record = try Self.existingLetter(db, id: id)
            let today = CivilDate(now)
            let calendar = try GRDBCalendarStore.holidayCalendar(db)
            let on = on ?? today
            try Self.enforce(
                LetterWorkflow.refusal(
                    clock: action, dated: on, try Self.workflowFacts(db, record), by: actor.letterActor, today: today, calendar: calendar))
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
            try Self.appendLetterEvent(db, letterID: id, kind: kind, actor: .staff(actor), note: note, clockEvent: clock, at: now)
            if action == .deemedWithdrawn { record.state = .withdrawn }
            try Self.recomputeDeadline(db, &record, calendar: calendar, today: today)
            record.updatedAt = now
            try record.update(db)
            try Self.auditLetter(db, actor: actor, action: audit, before: before, after: record, at: now)
            return try Self.letterView(db, record)
        }
    }

    // MARK: Recomputing

    /// The clock events of a letter, in the order they happened. A
    /// correction notice stops the clock for a correction whether or not
    /// its reason was stored (it was not before `v9-reply-clock`).
    static func letterClockEvents(_ db: Database, letterID: Int64) throws -> [ClockEvent] {
        try LetterEventRecord.filter(LetterEventRecord.Columns.letterId == letterID)
            .filter(LetterEventRecord.Columns.clockKind != nil)
            .order(LetterEventRecord.Columns.id).fetchAll(db)
            .compactMap { event in
                guard let kind = event.clockKind, let on = event.clockOn else { return nil }
                let reason = event.kind == .correctionNotice ? .correction : event.clockReason
                return ClockEvent(kind: kind, on: on, workingDays: event.clockDays, reason: reason)
            }
    }

    /// The letter's clock walked through its stored events.
    static func clockTrace(_ db: Database, _ record: LetterRecord, calendar: HolidayCalendar, events: [ClockEvent]? = nil) throws
        -> ClockTrace
    {
        let events = try events ?? (record.id.map { try letterClockEvents(db, letterID: $0) } ?? [])
        return LetterClock.trace(
            receivedOn: record.receivedOn, workingDays: record.policyDays, events: events, calendar: calendar,
            isProvisional: calendar.isProvisional)
    }

    /// Sets `due_on`, `due_provisional` and `clock_paused` from the letter's
    /// receipt, period and stored clock events (not saved). A deadline that
    /// moved back ahead of today (a calendar import, a follow-up's fresh
    /// period) is no longer overdue; the clock itself never moves an
    /// overdue deadline (`LetterClock`).
    static func recomputeDeadline(_ db: Database, _ record: inout LetterRecord, calendar: HolidayCalendar, today: CivilDate) throws {
        let deadline = try clockTrace(db, record, calendar: calendar).deadline
        record.dueOn = deadline.dueOn
        record.dueProvisional = deadline.provisional
        record.clockPaused = deadline.paused
        if deadline.dueOn.map({ $0 >= today }) ?? true { record.overdue = false }
    }

    /// Recomputes deadlines on `calendar` inside the caller's transaction
    /// (a calendar import, or the first sweep after a start): every open
    /// letter, every replied letter whose deadline was provisional, and
    /// every reply whose due date was provisional or not yet computed, so
    /// no on-time figure rests on a provisional date. Returns the letters
    /// whose own deadline changed.
    @discardableResult
    static func recomputeDeadlines(_ db: Database, calendar: HolidayCalendar, at now: Date) throws -> [Int64] {
        let today = CivilDate(now)
        let open = LetterState.allCases.filter(\.isOpen).map(\.rawValue)
        var changed: [Int64] = []
        let letters = try LetterRecord.filter(
            open.contains(LetterRecord.Columns.state)
                || (LetterRecord.Columns.state == LetterState.replied.rawValue && LetterRecord.Columns.dueProvisional == true)
        ).fetchAll(db)
        for var record in letters {
            let before = (record.dueOn, record.dueProvisional, record.clockPaused, record.overdue)
            try recomputeDeadline(db, &record, calendar: calendar, today: today)
            if before != (record.dueOn, record.dueProvisional, record.clockPaused, record.overdue) {
                record.updatedAt = now
                try record.update(db)
                changed.append(record.id!)
            }
        }
        let replies = try LetterReplyRecord.filter(
            LetterReplyRecord.Columns.dueProvisional == true || LetterReplyRecord.Columns.workingDays == nil
        ).fetchAll(db)
        for var reply in replies {
            guard let letter = try LetterRecord.fetchOne(db, key: reply.letterId) else { continue }
            let before = (reply.dueOn, reply.dueProvisional, reply.workingDays)
            try computeReplyClock(db, &reply, letter: letter, calendar: calendar)
            if before != (reply.dueOn, reply.dueProvisional, reply.workingDays) { try reply.update(db) }
        }
        return changed
    }

    /// Sets a reply's due date, provisional flag and working days from the
    /// clock of its own period: the events before the follow-up that
    /// opened the next period.
    static func computeReplyClock(
        _ db: Database, _ reply: inout LetterReplyRecord, letter: LetterRecord, calendar: HolidayCalendar, events: [ClockEvent]? = nil
    ) throws {
        var reopens = 0
        let own = try (events ?? letterClockEvents(db, letterID: reply.letterId)).prefix { event in
            if event.kind == .reopened { reopens += 1 }
            return reopens < reply.round
        }
        let trace = try clockTrace(db, letter, calendar: calendar, events: Array(own))
        reply.dueOn = trace.deadline.dueOn
        reply.dueProvisional = trace.deadline.provisional
        reply.workingDays = trace.workingDaysOnClock(through: reply.repliedOn, calendar: calendar)
    }

    // MARK: The periodic sweep

    /// One pass over the open letters' clocks, in one transaction:
    ///
    /// 1. with `recomputeAll` (the first pass after a start), every
    ///    deadline is recomputed on the current rules and calendar;
    /// 2. a consultation still open after the consulted party's 15 working
    ///    days ends on its last day, with a `resumed` event by the system
    ///    (arts. 32, 34); a stopped clock is recomputed too, so a pause that
    ///    began after the deadline (recorded before this rule) never hides
    ///    an overdue letter;
    /// 3. open letters whose deadline has passed are marked overdue, once
    ///    each, with an `overdue` event.
    func sweepLetterClocks(at now: Date, recomputeAll: Bool) async throws -> LetterClockSweep {
        try await writer.write { db in
            let today = CivilDate(now)
            let calendar = try GRDBCalendarStore.holidayCalendar(db)
            if recomputeAll { try Self.recomputeDeadlines(db, calendar: calendar, at: now) }
            let open = LetterState.allCases.filter(\.isOpen).map(\.rawValue)
            var sweep = LetterClockSweep()
            let stopped = try LetterRecord.filter(open.contains(LetterRecord.Columns.state))
                .filter(LetterRecord.Columns.clockPaused == true).order(LetterRecord.Columns.id).fetchAll(db)
            for var record in stopped {
                let trace = try Self.clockTrace(db, record, calendar: calendar)
                let lapsed = trace.consultationLapsed(today: today)
                if let lapsed {
                    try Self.appendLetterEvent(
                        db, letterID: record.id!, kind: .resumed, actor: .system, clockEvent: ClockEvent(kind: .resumed, on: lapsed),
                        at: now)
                }
                let before = (record.dueOn, record.clockPaused)
                try Self.recomputeDeadline(db, &record, calendar: calendar, today: today)
                if before != (record.dueOn, record.clockPaused) {
                    record.updatedAt = now
                    try record.update(db)
                }
                if lapsed != nil { sweep.resumed.append(try Self.letterView(db, record)) }
            }
            let records =
                try LetterRecord
                .filter(open.contains(LetterRecord.Columns.state))
                .filter(LetterRecord.Columns.overdue == false && LetterRecord.Columns.clockPaused == false)
                .filter(LetterRecord.Columns.dueOn < today)
                .order(LetterRecord.Columns.dueOn, LetterRecord.Columns.id).fetchAll(db)
            sweep.overdue = try records.map { record in
                var record = record
                record.overdue = true
                record.updatedAt = now
                try record.update(db)
                try Self.appendLetterEvent(
                    db, letterID: record.id!, kind: .overdue, actor: .system, note: record.dueOn.map { "due \($0)" }, at: now)
                return try Self.letterView(db, record)
            }
            return sweep
        }
    }

    /// Marks open letters whose deadline has passed as overdue (after
    /// ending consultations that ran out of time); returns the letters
    /// marked now. Running it again the same day marks nothing.
    func markOverdueLetters(at now: Date) async throws -> [LetterView] {
        try await sweepLetterClocks(at: now, recomputeAll: false).overdue
    }
}

/// What one sweep of the letters' clocks did.
public struct LetterClockSweep: Sendable {
    /// Consultations whose 15 working days ran out: the clock runs again.
    public var resumed: [LetterView] = []
    /// Letters newly overdue.
    public var overdue: [LetterView] = []
}
