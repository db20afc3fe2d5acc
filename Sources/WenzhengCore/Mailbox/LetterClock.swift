import Foundation

/// Why an information-disclosure clock stops (2019 Regulations on Open
/// Government Information, 《中华人民共和国政府信息公开条例》).
public enum ClockStopReason: String, Sendable, Codable, CaseIterable {
    /// Art. 32: disclosure may harm a third party, who is consulted in
    /// writing and has 15 working days to answer.
    case thirdParty = "third_party"
    /// Art. 34: another agency made the information with us and is
    /// consulted; it has 15 working days, and silence is consent.
    case otherAgency = "other_agency"
    /// Art. 30: the applicant is told to correct an unclear request; the
    /// period counts again, in full, from the corrected request.
    case correction

    /// The reasons staff choose for a pause; a correction has its own
    /// action (the correction notice).
    public static let consultations: [ClockStopReason] = [.thirdParty, .otherAgency]

    public var isConsultation: Bool { self != .correction }
}

/// Something that changes a letter's reply clock.
public struct ClockEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// An information-disclosure request is extended (art. 33), once
        /// per period.
        case extended
        /// A third party or another agency is consulted (arts. 32, 34), or
        /// a correction notice went out (art. 30): the clock stops.
        case paused
        case resumed
        /// The corrected request arrived after a correction notice (art. 30):
        /// counting starts again, in full, from this day.
        case restarted
        /// A follow-up after an unsatisfied rating reopens the letter with a
        /// fresh period from this day.
        case reopened
    }

    public var kind: Kind
    /// The office's date of the event: the day it happened, which may be
    /// earlier than the day it was recorded (`LetterClockRules`).
    public var on: CivilDate
    /// For `extended`: the working days added. For a `paused` correction:
    /// the working days the applicant was given to correct.
    public var workingDays: Int?
    /// For `paused`: why. Nil for pauses recorded before reasons existed,
    /// which count as consultations.
    public var reason: ClockStopReason?

    public init(kind: Kind, on: CivilDate, workingDays: Int? = nil, reason: ClockStopReason? = nil) {
        self.kind = kind
        self.on = on
        self.workingDays = workingDays
        self.reason = reason
    }

    var isCorrection: Bool { reason == .correction }
}

/// The state of a letter's reply clock.
public struct LetterDeadline: Sendable, Equatable {
    /// The last day to reply; nil while the clock is paused.
    public var dueOn: CivilDate?
    /// Working days still on the clock when it is paused.
    public var remainingWhilePaused: Int?
    /// A day counted needs a holiday notice that is not loaded.
    public var provisional: Bool
    public var paused: Bool

    public init(dueOn: CivilDate?, remainingWhilePaused: Int?, provisional: Bool, paused: Bool) {
        self.dueOn = dueOn
        self.remainingWhilePaused = remainingWhilePaused
        self.provisional = provisional
        self.paused = paused
    }
}

/// A time the clock stood still: a consultation (arts. 32, 34) or the wait
/// for a corrected request (art. 30).
public struct ClockStoppage: Sendable, Equatable {
    /// Nil for a pause recorded before reasons existed (a consultation).
    public var reason: ClockStopReason?
    /// The day the clock stopped. It is still counted as a day of the
    /// period.
    public var from: CivilDate
    /// The day counting started again (not itself counted); nil while it
    /// stands still.
    public var until: CivilDate?
    /// The consulted party's last day to answer (15 working days), or the
    /// applicant's last day to correct (the period they were given).
    public var answerDueOn: CivilDate?
    /// A consultation that ran to the end of its 15 working days: no
    /// answer was recorded before the last day (the sweep ends it then).
    public var endedByLimit: Bool

    public init(reason: ClockStopReason?, from: CivilDate, until: CivilDate?, answerDueOn: CivilDate?, endedByLimit: Bool = false) {
        self.reason = reason
        self.from = from
        self.until = until
        self.answerDueOn = answerDueOn
        self.endedByLimit = endedByLimit
    }

    /// Working days the clock did not count: after `from` up to and
    /// including `until`, or `today` while it still stands.
    public func workingDays(today: CivilDate, calendar: any WorkingDayCalendar) -> Int {
        max(0, LetterRules.workingDays(from: from, to: until ?? max(from, today), calendar: calendar))
    }
}

/// A letter's clock walked through its events: the deadline, every stop,
/// and what the current period has counted so far.
public struct ClockTrace: Sendable, Equatable {
    public var deadline: LetterDeadline
    /// Every stop, oldest first, the current one last.
    public var stoppages: [ClockStoppage]
    /// The indices of events that did not move the clock: a pause or an
    /// extension dated after the deadline had passed, a second extension
    /// in a period, a resume without a pause.
    public var ignored: [Int]
    /// The day the current period counts from: receipt, the corrected
    /// request (art. 30) or the follow-up.
    public var periodStart: CivilDate
    /// Working days the current period was extended by (art. 33, once).
    public var extensionDaysInPeriod: Int
    /// The current period was extended.
    public var extendedInPeriod: Bool { extensionDaysInPeriod > 0 }
    /// The current stop, if the clock stands still.
    public var currentStop: ClockStoppage? { deadline.paused ? stoppages.last : nil }
    /// Running intervals of the current period: counting from the day after
    /// `from` through `to` (nil: still running).
    var running: [(from: CivilDate, to: CivilDate?)]

    public static func == (lhs: ClockTrace, rhs: ClockTrace) -> Bool {
        lhs.deadline == rhs.deadline && lhs.stoppages == rhs.stoppages && lhs.ignored == rhs.ignored
            && lhs.periodStart == rhs.periodStart && lhs.extensionDaysInPeriod == rhs.extensionDaysInPeriod
            && lhs.running.map(\.from) == rhs.running.map(\.from) && lhs.running.map(\.to) == rhs.running.map(\.to)
    }

    /// Working days the current period's clock counted up to and including
    /// `day`: time stopped for a consultation or a correction does not
    /// count, nor do the days before a corrected request arrived (art. 30
    /// counts the period from it). The measure of how long a reply took.
    public func workingDaysOnClock(through day: CivilDate, calendar: any WorkingDayCalendar) -> Int {
        running.reduce(0) { total, interval in
            guard interval.from < day else { return total }
            let end = min(interval.to ?? day, day)
            return total + max(0, LetterRules.workingDays(from: interval.from, to: end, calendar: calendar))
        }
    }

    /// Working days stopped, over every stop (the open one up to `today`).
    public func stoppedWorkingDays(today: CivilDate, calendar: any WorkingDayCalendar) -> Int {
        stoppages.reduce(0) { $0 + $1.workingDays(today: today, calendar: calendar) }
    }

    /// The day a consultation that is still open ran out of its 15 working
    /// days, when that day is before `today`: the clock runs again from it
    /// (art. 32: the office then decides itself; art. 34: silence is
    /// consent). Nil when the clock runs, waits for a correction, or the
    /// consultation still has time.
    public func consultationLapsed(today: CivilDate) -> CivilDate? {
        guard let stop = currentStop, stop.reason?.isConsultation ?? true, let limit = stop.answerDueOn, limit < today else {
            return nil
        }
        return limit
    }
}

/// Computes a letter's deadline from its receipt, its policy and its clock
/// events, on a working-day calendar. Pure, so every rule is testable and
/// the deadline can be recomputed whenever the calendar changes.
///
/// The rules (docs/mailbox-design.md has the reasons):
/// - the period counts from the day after receipt;
/// - an extension adds its days, once per period, and only while the
///   deadline has not passed: an overdue letter stays overdue;
/// - a pause stops the clock only if it began on or before the deadline;
///   a consultation stops it for at most the consulted party's 15 working
///   days (arts. 32, 34);
/// - a corrected request (art. 30) and a follow-up start a fresh period of
///   the policy's days, without any earlier extension.
public enum LetterClock {
    /// - Parameters:
    ///   - receivedOn: the office's date of receipt (not counted).
    ///   - workingDays: the policy's period.
    ///   - events: in the order they happened.
    ///   - isProvisional: whether a loaded notice could still change a date
    ///     (`HolidayCalendar.isProvisional`).
    public static func deadline(
        receivedOn: CivilDate, workingDays: Int, events: [ClockEvent], calendar: any WorkingDayCalendar,
        isProvisional: (CivilDate) -> Bool = { _ in false }
    ) -> LetterDeadline {
        trace(receivedOn: receivedOn, workingDays: workingDays, events: events, calendar: calendar, isProvisional: isProvisional)
            .deadline
    }

    /// The clock walked through `events`; see `ClockTrace`.
    public static func trace(
        receivedOn: CivilDate, workingDays: Int, events: [ClockEvent], calendar: any WorkingDayCalendar,
        isProvisional: (CivilDate) -> Bool = { _ in false }
    ) -> ClockTrace {
        var start = receivedOn
        var remaining = workingDays
        var stop: ClockStoppage?
        var stoppages: [ClockStoppage] = []
        var running: [(from: CivilDate, to: CivilDate?)] = []
        var ignored: [Int] = []
        var extensionDays = 0
        var provisional = false
        var periodStart = receivedOn

        /// Working days after `from` up to and including `to`, noting
        /// provisional days.
        func countWorkingDays(after from: CivilDate, through to: CivilDate) -> Int {
            var count = 0
            var day = from
            while day < to {
                day = day.nextDay
                if isProvisional(day) { provisional = true }
                if calendar.isWorkingDay(day) { count += 1 }
            }
            return count
        }
        func runningDue() -> CivilDate { calendar.adding(workingDays: remaining, to: start) }
        func endStop(on day: CivilDate, byLimit: Bool = false) {
            guard var ended = stop else { return }
            ended.until = day
            ended.endedByLimit = byLimit
            stoppages.append(ended)
            stop = nil
            start = day
        }
        func freshPeriod(from day: CivilDate) {
            start = day
            periodStart = day
            remaining = workingDays
            running = []
            extensionDays = 0
            provisional = false
        }

        for (index, event) in events.enumerated() {
            // A consultation ends by itself when its 15 working days run out.
            if let current = stop, current.reason?.isConsultation ?? true, let limit = current.answerDueOn, limit < event.on {
                endStop(on: limit, byLimit: true)
            }
            switch event.kind {
            case .extended:
                let days = event.workingDays ?? 0
                guard days > 0, extensionDays == 0, stop != nil || event.on <= runningDue() else {
                    ignored.append(index)
                    continue
                }
                remaining += days
                extensionDays = days
            case .paused:
                guard stop == nil, event.on <= runningDue() else {
                    ignored.append(index)
                    continue
                }
                remaining = max(0, remaining - countWorkingDays(after: start, through: event.on))
                running.append((start, event.on))
                let limit: CivilDate? =
                    event.isCorrection
                    ? event.workingDays.map { calendar.adding(workingDays: $0, to: event.on) }
                    : calendar.adding(workingDays: LetterRules.consultationWorkingDays, to: event.on)
                stop = ClockStoppage(reason: event.reason, from: event.on, until: nil, answerDueOn: limit)
            case .resumed:
                guard let current = stop, !(current.reason == .correction) else {
                    ignored.append(index)
                    continue
                }
                endStop(on: event.on, byLimit: current.answerDueOn.map { event.on >= $0 } ?? false)
            case .restarted:
                guard stop?.reason == .correction else {
                    ignored.append(index)
                    continue
                }
                endStop(on: event.on)
                freshPeriod(from: event.on)
            case .reopened:
                if stop != nil { endStop(on: event.on) }
                freshPeriod(from: event.on)
            }
        }
        if let stop {
            stoppages.append(stop)
            return ClockTrace(
                deadline: LetterDeadline(dueOn: nil, remainingWhilePaused: remaining, provisional: provisional, paused: true),
                stoppages: stoppages, ignored: ignored, periodStart: periodStart, extensionDaysInPeriod: extensionDays,
                running: running)
        }
        let due = runningDue()
        running.append((start, nil))
        // Check every day counted for missing data, not just the last one.
        var day = start
        while day < due {
            day = day.nextDay
            if isProvisional(day) {
                provisional = true
                break
            }
        }
        return ClockTrace(
            deadline: LetterDeadline(dueOn: due, remainingWhilePaused: nil, provisional: provisional, paused: false),
            stoppages: stoppages, ignored: ignored, periodStart: periodStart, extensionDaysInPeriod: extensionDays,
            running: running)
    }
}
