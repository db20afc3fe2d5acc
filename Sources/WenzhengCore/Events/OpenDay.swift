import Foundation

/// Where an open day (开放日) is in its life.
///
/// ```
/// scheduled ──reschedule──▶ rescheduled ──reschedule──▶ rescheduled …
///     │                          │
///     ├──cancel──▶ cancelled ◀───┤
///     └──held────▶ held      ◀───┘
/// ```
///
/// `rescheduled` behaves as `scheduled` in every rule; it is kept apart so
/// pages can say "time changed" and the calendar's SEQUENCE has a reason.
public enum OpenDayState: String, Sendable, Codable, CaseIterable {
    case scheduled
    case rescheduled
    case cancelled
    /// It took place. Set after the start; counts of no-shows mean something
    /// from then on.
    case held

    /// Registration, rescheduling and cancelling are possible.
    public var isUpcoming: Bool { self == .scheduled || self == .rescheduled }

    /// The states this one may move to.
    public var next: Set<OpenDayState> {
        switch self {
        case .scheduled, .rescheduled: [.rescheduled, .cancelled, .held]
        case .cancelled, .held: []
        }
    }
}

/// An open day as the office plans it. Identity (the row id) is the
/// store's; this is the part the rules look at.
public struct OpenDay: Sendable, Codable, Equatable {
    public var title: String
    /// What visitors will see and do (活动安排), shown on the event page.
    public var programme: String
    public var location: String
    public var start: Date
    public var durationMinutes: Int
    /// Seats, counting every person of a party.
    public var capacity: Int
    public var registrationOpens: Date
    /// Registration is possible while `registrationOpens <= now < registrationCloses`.
    public var registrationCloses: Date
    public var state: OpenDayState
    /// Raised by every reschedule and by a cancellation: the iCalendar
    /// SEQUENCE, so calendar programs replace their copy of the event.
    public var revision: Int
    public var cancellationReason: String?

    public init(
        title: String, programme: String, location: String, start: Date, durationMinutes: Int, capacity: Int,
        registrationOpens: Date, registrationCloses: Date, state: OpenDayState = .scheduled, revision: Int = 0,
        cancellationReason: String? = nil
    ) {
        self.title = title
        self.programme = programme
        self.location = location
        self.start = start
        self.durationMinutes = durationMinutes
        self.capacity = capacity
        self.registrationOpens = registrationOpens
        self.registrationCloses = registrationCloses
        self.state = state
        self.revision = revision
        self.cancellationReason = cancellationReason
    }

    public var end: Date { start.addingTimeInterval(TimeInterval(durationMinutes * 60)) }

    // MARK: Changes

    /// The open day moved to `newStart` (and optionally a new length).
    /// A registration window that would close after the new start closes
    /// at it instead; one that would open after it is refused, because the
    /// operator must say when registration opens.
    public func rescheduled(to newStart: Date, durationMinutes newDuration: Int? = nil, now: Date) throws(OpenDayConflict) -> OpenDay {
        try checkMove(to: .rescheduled)
        var errors: [FieldError] = []
        do {
            try OfficeTimeText.checkFuture(newStart, field: "start", now: now)
        } catch {
            errors.append(error)
        }
        if let newDuration { OpenDayRules.checkDuration(minutes: newDuration, into: &errors) }
        if registrationOpens >= newStart {
            errors.append(
                .invalid(
                    "start",
                    "registration opens at \(OfficeTimeText.format(registrationOpens)), not before the new start \(OfficeTimeText.format(newStart)); change the registration window first"
                ))
        }
        if !errors.isEmpty { throw .invalid(ValidationFailure(errors)) }
        var moved = self
        moved.start = newStart
        moved.durationMinutes = newDuration ?? durationMinutes
        moved.registrationCloses = min(registrationCloses, newStart)
        moved.state = .rescheduled
        moved.revision += 1
        return moved
    }

    /// The open day called off. The reason is shown to registered visitors
    /// and on the event page.
    public func cancelled(reason: String) throws(OpenDayConflict) -> OpenDay {
        try checkMove(to: .cancelled)
        var errors: [FieldError] = []
        let reason = TextRules.requiredText(reason, field: "reason", maxLength: OpenDayRules.reasonMaxLength, into: &errors)
        if !errors.isEmpty { throw .invalid(ValidationFailure(errors)) }
        var cancelled = self
        cancelled.state = .cancelled
        cancelled.cancellationReason = reason
        cancelled.revision += 1
        return cancelled
    }

    /// The open day took place; possible once it has started.
    public func held(now: Date) throws(OpenDayConflict) -> OpenDay {
        try checkMove(to: .held)
        guard now >= start else { throw .notStartedYet(start: start) }
        var held = self
        held.state = .held
        return held
    }

    private func checkMove(to target: OpenDayState) throws(OpenDayConflict) {
        guard state.next.contains(target) else { throw .cannotMove(from: state, to: target) }
    }

    // MARK: Registration window

    /// Whether visitors may register at `now`, and if not, why.
    public func registrationWindow(at now: Date) -> RegistrationWindow {
        switch state {
        case .cancelled: return .eventCancelled
        case .held: return .closed(at: min(registrationCloses, start))
        case .scheduled, .rescheduled:
            if now < registrationOpens { return .notYetOpen(opensAt: registrationOpens) }
            if now >= registrationCloses || now >= start { return .closed(at: min(registrationCloses, start)) }
            return .open
        }
    }

    /// Throws the window's reason, with the times in Beijing time, unless
    /// registration is open.
    public func checkRegistrationOpen(at now: Date) throws(OpenDayConflict) {
        switch registrationWindow(at: now) {
        case .open: return
        case .notYetOpen(let opensAt): throw .registrationNotYetOpen(opensAt: opensAt)
        case .closed(let closedAt): throw .registrationClosed(closedAt: closedAt)
        case .eventCancelled: throw .eventCancelled(reason: cancellationReason)
        }
    }

    // MARK: Cancelling a registration

    /// A registration may be cancelled (and its seats given to the
    /// waitlist) until the open day starts. Afterwards, or once it is held,
    /// nobody could use a freed seat; a cancelled open day keeps its
    /// registrations as they were.
    public func checkRegistrationCancellable(at now: Date) throws(OpenDayConflict) {
        switch state {
        case .cancelled: throw .eventCancelled(reason: cancellationReason)
        case .held: throw .cancellationClosed(closedAt: start)
        case .scheduled, .rescheduled:
            if now >= start { throw .cancellationClosed(closedAt: start) }
        }
    }

    // MARK: Check-in

    /// Visitors are checked in at the door from 00:00 on the day of the
    /// start (Beijing time), so early arrivals can be let in, until the
    /// end: a code brought afterwards is a no-show's.
    public func checkCheckInOpen(at now: Date) throws(OpenDayConflict) {
        switch state {
        case .cancelled: throw .eventCancelled(reason: cancellationReason)
        case .scheduled, .rescheduled, .held: break
        }
        let doorsOpen = OfficeDateTime(date: OfficeDateTime(start).date, hour: 0, minute: 0).instant()
        if now < doorsOpen { throw .checkInNotYetOpen(opensAt: doorsOpen) }
        if now > end { throw .checkInClosed(closedAt: end) }
    }
}

/// Whether registration is possible, and if not, why.
public enum RegistrationWindow: Sendable, Equatable {
    case notYetOpen(opensAt: Date)
    case open
    /// Closed at the window's end or the start, whichever came first.
    case closed(at: Date)
    case eventCancelled
}

extension OpenDay {
    /// A new open day, scheduled, from what staff typed: every bad field
    /// reported at once. Registration opens at `registrationOpens`, or now;
    /// it closes at `registrationCloses`, or 24 hours before the start (the
    /// start itself when that would be before registration opens).
    public static func scheduled(
        title: String, programme: String, location: String, start: Date, durationMinutes: Int, capacity: Int,
        registrationOpens: Date? = nil, registrationCloses: Date? = nil, now: Date
    ) throws(ValidationFailure) -> OpenDay {
        var errors: [FieldError] = []
        let title = TextRules.requiredText(title, field: "title", maxLength: InterviewRules.titleMaxLength, into: &errors)
        let programme = TextRules.requiredText(programme, field: "programme", maxLength: OpenDayRules.programmeMaxLength, into: &errors)
        let location = TextRules.requiredText(location, field: "location", maxLength: OpenDayRules.locationMaxLength, into: &errors)
        do {
            try OfficeTimeText.checkFuture(start, field: "start", now: now)
        } catch {
            errors.append(error)
        }
        OpenDayRules.checkDuration(minutes: durationMinutes, into: &errors)
        OpenDayRules.checkCapacity(capacity, into: &errors)
        let opens = registrationOpens ?? now
        let dayBefore = start.addingTimeInterval(-86_400)
        let closes = registrationCloses ?? (dayBefore > opens ? dayBefore : start)
        let example = "for example \(OfficeTimeText.format(max(opens, dayBefore)))"
        if closes <= opens {
            errors.append(
                .invalid("registrationCloses", "registration must close after it opens (\(OfficeTimeText.format(opens))), \(example)"))
        } else if closes > start {
            errors.append(
                .invalid("registrationCloses", "registration must close by the start (\(OfficeTimeText.format(start))), \(example)"))
        }
        try ValidationFailure.check(errors)
        return OpenDay(
            title: title, programme: programme, location: location, start: start, durationMinutes: durationMinutes, capacity: capacity,
            registrationOpens: opens, registrationCloses: closes)
    }
}

public enum OpenDayRules {
    public static let programmeMaxLength = 5000
    public static let locationMaxLength = 200
    public static let reasonMaxLength = 500
    /// Half an hour to a long working day.
    public static let durationMinutesRange = 30...720
    /// A hall, not a stadium: a typo of 5000 for 50 is caught.
    public static let capacityRange = 1...2000
    /// A visitor may bring up to two companions.
    public static let partySizeRange = 1...3
    public static let nameMaxLength = 40
    public static let emailMaxLength = 100

    /// A capacity of 0 or less, or beyond `capacityRange`, with an example.
    public static func checkCapacity(_ capacity: Int, into errors: inout [FieldError]) {
        if !capacityRange.contains(capacity) {
            errors.append(
                FieldError(
                    field: "capacity", code: "out_of_range",
                    message: "capacity must be a number of seats from \(capacityRange.lowerBound) to \(capacityRange.upperBound), for example --capacity 50"
                ))
        }
    }

    public static func checkDuration(minutes: Int, into errors: inout [FieldError]) {
        if !durationMinutesRange.contains(minutes) {
            errors.append(
                FieldError(
                    field: "duration", code: "out_of_range",
                    message: "an open day lasts from \(DurationText.format(.seconds(durationMinutesRange.lowerBound * 60))) to \(DurationText.format(.seconds(durationMinutesRange.upperBound * 60))), for example --duration 2h30m"
                ))
        }
    }

    /// A duration typed on the command line (`90m`, `2h30m`) as whole
    /// minutes; refuses what `DurationText` refuses, and seconds.
    public static func minutes(fromDurationText text: String, field: String = "duration") throws(FieldError) -> Int {
        let duration: Duration
        do {
            duration = try DurationText.parse(text)
        } catch {
            throw FieldError(field: field, code: "invalid_duration", message: "\(field): \(error.description)")
        }
        let (seconds, attoseconds) = duration.components
        guard attoseconds == 0, seconds % 60 == 0 else {
            throw FieldError(
                field: field, code: "invalid_duration", message: "\(field) '\(text)' is not whole minutes; write for example 90m or 1h30m")
        }
        return Int(seconds / 60)
    }
}

/// Why an open-day action was refused: each case has a stable `code` for
/// pages and API problems, and a `description` that says what to do.
public enum OpenDayConflict: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input itself was wrong.
    case invalid(ValidationFailure)
    case cannotMove(from: OpenDayState, to: OpenDayState)
    case notStartedYet(start: Date)
    case registrationNotYetOpen(opensAt: Date)
    case registrationClosed(closedAt: Date)
    case eventCancelled(reason: String?)
    /// The phone already has a live registration for this open day. The
    /// existing code is deliberately not part of the refusal: anyone who
    /// knows the number could otherwise take the code and cancel.
    case phoneAlreadyRegistered
    /// The party can never be seated: the open day has fewer seats in all.
    case partyLargerThanCapacity(partySize: Int, capacity: Int)
    case unknownCode
    /// The open day has started (or is held): a registration can no
    /// longer be cancelled.
    case cancellationClosed(closedAt: Date)
    case alreadyCancelled
    case alreadyCheckedIn
    /// A waitlisted party has no seat yet; its place on the list.
    case stillWaitlisted(position: Int)
    case checkInNotYetOpen(opensAt: Date)
    case checkInClosed(closedAt: Date)
    /// Lowering the capacity below the seats already given is refused:
    /// nobody loses a confirmed seat to an edit.
    case capacityBelowSeatsTaken(capacity: Int, seatsTaken: Int)

    public var code: String {
        switch self {
        case .invalid: "invalid"
        case .cannotMove: "cannot_move"
        case .notStartedYet: "not_started_yet"
        case .registrationNotYetOpen: "registration_not_yet_open"
        case .registrationClosed: "registration_closed"
        case .eventCancelled: "event_cancelled"
        case .phoneAlreadyRegistered: "phone_already_registered"
        case .partyLargerThanCapacity: "party_larger_than_capacity"
        case .unknownCode: "unknown_code"
        case .cancellationClosed: "cancellation_closed"
        case .alreadyCancelled: "already_cancelled"
        case .alreadyCheckedIn: "already_checked_in"
        case .stillWaitlisted: "still_waitlisted"
        case .checkInNotYetOpen: "check_in_not_yet_open"
        case .checkInClosed: "check_in_closed"
        case .capacityBelowSeatsTaken: "capacity_below_seats_taken"
        }
    }

    public var description: String {
        func time(_ date: Date) -> String { "\(OfficeTimeText.format(date)) (Beijing time)" }
        switch self {
        case .invalid(let failure):
            return failure.errors.map(\.message).joined(separator: "; ")
        case .cannotMove(let from, let to):
            return "an open day that is \(from.rawValue) cannot become \(to.rawValue)"
        case .notStartedYet(let start):
            return "the open day starts at \(time(start)); it can be marked held only after that"
        case .registrationNotYetOpen(let opensAt):
            return "registration opens at \(time(opensAt))"
        case .registrationClosed(let closedAt):
            return "registration closed at \(time(closedAt))"
        case .eventCancelled(let reason):
            return "the open day is cancelled" + (reason.map { ": \($0)" } ?? "")
        case .phoneAlreadyRegistered:
            return "this phone number is already registered for this open day; use the confirmation code you were given to cancel or to check in"
        case .partyLargerThanCapacity(let partySize, let capacity):
            return "a party of \(partySize) cannot be seated: the open day has \(capacity) seats in all"
        case .unknownCode:
            return "no registration for this open day has that confirmation code"
        case .cancellationClosed(let closedAt):
            return "the open day started at \(time(closedAt)); registrations can no longer be cancelled"
        case .alreadyCancelled:
            return "this registration is already cancelled"
        case .alreadyCheckedIn:
            return "this registration is already checked in"
        case .stillWaitlisted(let position):
            return "this registration is on the waitlist (number \(position)) and has no seat yet"
        case .checkInNotYetOpen(let opensAt):
            return "check-in opens at \(time(opensAt))"
        case .checkInClosed(let closedAt):
            return "the open day ended at \(time(closedAt)); check-in is closed"
        case .capacityBelowSeatsTaken(let capacity, let seatsTaken):
            return "capacity \(capacity) is below the \(seatsTaken) seats already given; cancel registrations first"
        }
    }
}
