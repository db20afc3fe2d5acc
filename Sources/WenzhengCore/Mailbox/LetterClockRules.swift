import Foundation

/// What staff ask to do to an information-disclosure request's clock.
public enum ClockAction: Sendable, Equatable {
    /// Art. 33: more time, approved, once per period.
    case extend(workingDays: Int)
    /// Arts. 32, 34: a third party or another agency is consulted.
    case pause(ClockStopReason)
    /// The consulted party answered.
    case resume
    /// Art. 30: the applicant is told to correct the request within this
    /// many working days.
    case correctionNotice(workingDays: Int)
    /// The corrected request arrived.
    case correctedRequest
    /// Art. 30: the correction did not come within the period given, so
    /// the request counts as abandoned (视为放弃).
    case deemedWithdrawn
}

/// Why a clock action is refused: a field that is wrong whatever the
/// letter (`field` set), or a conflict with the letter's clock as it
/// stands.
public struct ClockRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String?
    public var message: String

    public init(field: String? = nil, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}

/// The rules for acting on a letter's clock, as pure functions of the
/// letter's dates and events, so the store applies exactly what the tests
/// check.
public enum LetterClockRules {
    /// A clock event may carry a date up to this many working days before
    /// the day it is recorded: the day a consultation letter went out or an
    /// answer arrived, entered after a weekend or a busy day.
    public static let maxBackdatingWorkingDays = 3
    /// The period an applicant may be given to correct a request (art. 30
    /// asks for a reasonable one without a number).
    public static let correctionPeriodRange = 5...30
    /// What the correction form suggests.
    public static let defaultCorrectionWorkingDays = 15

    /// The earliest date a clock event recorded on `recordedOn` may carry:
    /// the day after the 4th working day before it, so that at most 3
    /// working days lie between the event and its recording.
    public static func earliestDate(recordedOn: CivilDate, calendar: any WorkingDayCalendar) -> CivilDate {
        var earliest = recordedOn
        var day = recordedOn
        // Walk back over at most a long holiday's worth of days.
        for _ in 0..<60 {
            day = CivilDate(daysSinceEpoch: day.daysSinceEpoch - 1)
            if LetterRules.workingDays(from: day, to: recordedOn, calendar: calendar) > maxBackdatingWorkingDays { break }
            earliest = day
        }
        return earliest
    }

    /// Checks a clock action dated `on` and recorded on `recordedOn`
    /// against the letter's clock; nil when it may be recorded.
    ///
    /// - Parameters:
    ///   - events: the letter's clock events so far, in order.
    ///   - correctionSent: a correction notice went out before (one per
    ///     request).
    public static func refusal(
        _ action: ClockAction, on: CivilDate, recordedOn: CivilDate, receivedOn: CivilDate, workingDays: Int,
        events: [ClockEvent], correctionSent: Bool, calendar: any WorkingDayCalendar
    ) -> ClockRefusal? {
        if let refusal = dateRefusal(on: on, recordedOn: recordedOn, receivedOn: receivedOn, events: events, calendar: calendar) {
            return refusal
        }
        let trace = LetterClock.trace(receivedOn: receivedOn, workingDays: workingDays, events: events, calendar: calendar)
        let stop = trace.currentStop
        /// Pauses and extensions only while the deadline has not passed on
        /// the day they are recorded: an overdue letter stays overdue,
        /// whatever date the event carries.
        func overdueRefusal(_ what: String) -> ClockRefusal? {
            guard let due = trace.deadline.dueOn, recordedOn > due else { return nil }
            return ClockRefusal("the letter was due on \(due) and is overdue; \(what) must come before the deadline")
        }
        switch action {
        case .extend(let days):
            guard (1...LetterRules.maxExtensionWorkingDays).contains(days) else {
                return ClockRefusal(field: "workingDays", "an extension is 1 to \(LetterRules.maxExtensionWorkingDays) working days")
            }
            if trace.extendedInPeriod { return ClockRefusal("the request was already extended once in this period") }
            return overdueRefusal("an extension")
        case .pause(let reason):
            guard reason.isConsultation else {
                return ClockRefusal(field: "reason", "a pause is for consulting a third party or another agency; send a correction notice instead")
            }
            if stop != nil { return ClockRefusal("the clock is already stopped") }
            return overdueRefusal("a pause")
        case .resume:
            guard let stop else { return ClockRefusal("the clock is running") }
            if stop.reason == .correction {
                return ClockRefusal("the request waits for its correction; record the corrected request instead")
            }
            return nil
        case .correctionNotice(let days):
            guard correctionPeriodRange.contains(days) else {
                return ClockRefusal(
                    field: "correctionDays",
                    "the applicant gets \(correctionPeriodRange.lowerBound) to \(correctionPeriodRange.upperBound) working days to correct")
            }
            if correctionSent { return ClockRefusal("the request already had its correction notice") }
            if stop != nil { return ClockRefusal("the clock is stopped") }
            let last = LetterRules.correctionNoticeDeadline(receivedOn: receivedOn, calendar: calendar)
            guard on <= last else {
                return ClockRefusal(
                    "a correction notice goes out within \(LetterRules.correctionNoticeWorkingDays) working days of receipt (by \(last))")
            }
            return overdueRefusal("a correction notice")
        case .correctedRequest:
            guard stop?.reason == .correction else { return ClockRefusal("the request is not waiting for a correction") }
            return nil
        case .deemedWithdrawn:
            guard let stop, stop.reason == .correction else { return ClockRefusal("the request is not waiting for a correction") }
            guard let correctBy = stop.answerDueOn else {
                return ClockRefusal("no correction period was recorded, so the request cannot count as abandoned")
            }
            guard recordedOn > correctBy else {
                return ClockRefusal("the applicant has until \(correctBy) to correct the request")
            }
            return nil
        }
    }

    /// The date rules every clock event obeys: not in the future, at most
    /// 3 working days back, not before receipt, and not before the last
    /// clock event (the clock reads events in order).
    public static func dateRefusal(
        on: CivilDate, recordedOn: CivilDate, receivedOn: CivilDate, events: [ClockEvent], calendar: any WorkingDayCalendar
    ) -> ClockRefusal? {
        if on > recordedOn { return ClockRefusal(field: "on", "the date cannot be later than today (\(recordedOn))") }
        let earliest = earliestDate(recordedOn: recordedOn, calendar: calendar)
        if on < earliest {
            return ClockRefusal(
                field: "on", "the date may be at most \(maxBackdatingWorkingDays) working days before today (from \(earliest))")
        }
        if on < receivedOn { return ClockRefusal(field: "on", "the date cannot be before the letter was received (\(receivedOn))") }
        if let last = events.map(\.on).max(), on < last {
            return ClockRefusal(field: "on", "the date cannot be before the last clock event (\(last))")
        }
        return nil
    }
}
