import Foundation

/// Something that changes a letter's reply clock.
public struct ClockEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// An information-disclosure request is extended (art. 33), once.
        case extended
        /// A third party or another agency is consulted (arts. 32–34).
        case paused
        case resumed
        /// The corrected request arrived after a correction notice (art. 30):
        /// counting starts again from this day.
        case restarted
        /// A follow-up after an unsatisfied rating reopens the letter with a
        /// fresh deadline from this day.
        case reopened
    }

    public var kind: Kind
    /// The office's date of the event.
    public var on: CivilDate
    /// For `extended`: the working days added.
    public var workingDays: Int?

    public init(kind: Kind, on: CivilDate, workingDays: Int? = nil) {
        self.kind = kind
        self.on = on
        self.workingDays = workingDays
    }
}

/// The state of a letter's reply clock.
public struct LetterDeadline: Sendable, Equatable {
    /// The last day to reply; nil while the clock is paused.
    public var dueOn: CivilDate?
    /// Working days still on the clock when it is paused.
    public var remainingWhilePaused: Int?
    /// A day counted falls in a year whose holiday notice is not loaded.
    public var provisional: Bool
    public var paused: Bool

    public init(dueOn: CivilDate?, remainingWhilePaused: Int?, provisional: Bool, paused: Bool) {
        self.dueOn = dueOn
        self.remainingWhilePaused = remainingWhilePaused
        self.provisional = provisional
        self.paused = paused
    }
}

/// Computes a letter's deadline from its receipt, its policy and its clock
/// events, on a working-day calendar. Pure, so every rule is testable and
/// the deadline can be recomputed whenever the calendar changes.
public enum LetterClock {
    /// - Parameters:
    ///   - receivedOn: the office's date of receipt (not counted).
    ///   - workingDays: the policy's period.
    ///   - events: in the order they happened.
    ///   - isProvisional: whether a date falls in a year without data.
    public static func deadline(
        receivedOn: CivilDate, workingDays: Int, events: [ClockEvent], calendar: any WorkingDayCalendar,
        isProvisional: (CivilDate) -> Bool = { _ in false }
    ) -> LetterDeadline {
        var start = receivedOn
        var remaining = workingDays
        var paused = false
        var provisional = false

        /// Working days after `from` up to and including `to`.
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

        for event in events {
            switch event.kind {
            case .extended:
                remaining += max(0, event.workingDays ?? 0)
            case .paused where !paused:
                remaining = max(0, remaining - countWorkingDays(after: start, through: event.on))
                paused = true
            case .resumed where paused:
                start = event.on
                paused = false
            case .restarted, .reopened:
                start = event.on
                remaining = workingDays + extensionDays(in: events, before: event)
                paused = false
            default:
                break
            }
        }
        if paused {
            return LetterDeadline(dueOn: nil, remainingWhilePaused: remaining, provisional: provisional, paused: true)
        }
        let due = calendar.adding(workingDays: remaining, to: start)
        // Check every day counted for missing data, not just the last one.
        var day = start
        while day < due {
            day = day.nextDay
            if isProvisional(day) {
                provisional = true
                break
            }
        }
        return LetterDeadline(dueOn: due, remainingWhilePaused: nil, provisional: provisional, paused: false)
    }

    /// An extension granted before a restart still applies after it.
    static func extensionDays(in events: [ClockEvent], before restart: ClockEvent) -> Int {
        guard let index = events.firstIndex(of: restart) else { return 0 }
        return events[..<index].filter { $0.kind == .extended }.reduce(0) { $0 + ($1.workingDays ?? 0) }
    }
}
