import Foundation

/// What kind of public event a plan counts.
public enum PlannedEventKind: String, Sendable, Codable, CaseIterable {
    case interview
    case openDay = "open_day"

    /// For messages: `interview`, `open day`.
    public var label: String { self == .interview ? "interview" : "open day" }
}

/// One event of the year as the plan check sees it; the store maps
/// interviews and open days into these.
public struct PlannedEvent: Sendable, Codable, Equatable {
    public var kind: PlannedEventKind
    public var id: Int64
    public var title: String
    public var start: Date
    /// When the public was told: an interview opened for questions
    /// (status `open`), an open day's page published. Nil while not yet.
    public var announcedAt: Date?
    /// A cancelled event is listed but neither counted nor warned about.
    public var cancelled: Bool

    public init(kind: PlannedEventKind, id: Int64, title: String, start: Date, announcedAt: Date?, cancelled: Bool = false) {
        self.kind = kind
        self.id = id
        self.title = title
        self.start = start
        self.announcedAt = announcedAt
        self.cancelled = cancelled
    }
}

/// What a year must hold. The defaults are the office's obligation: at
/// least four online interviews and one open day a year, each interview
/// announced at least three days ahead.
public struct PlanTargets: Sendable, Codable, Equatable {
    public var interviews: Int
    public var openDays: Int
    /// Calendar days between the office date of the announcement and the
    /// office date of the start (announced on the 13th for the 16th is 3).
    public var minimumNoticeDays: Int

    public static let `default` = PlanTargets(interviews: 4, openDays: 1, minimumNoticeDays: 3)

    public init(interviews: Int, openDays: Int, minimumNoticeDays: Int) {
        self.interviews = interviews
        self.openDays = openDays
        self.minimumNoticeDays = minimumNoticeDays
    }

    /// Targets from the command line or the settings page: none negative,
    /// none absurd.
    public func validated() throws(ValidationFailure) -> PlanTargets {
        var errors: [FieldError] = []
        for (field, value) in [("interviews", interviews), ("openDays", openDays), ("minimumNoticeDays", minimumNoticeDays)]
        where !(0...366).contains(value) {
            errors.append(FieldError(field: field, code: "out_of_range", message: "\(field) must be 0 to 366, for example 4"))
        }
        try ValidationFailure.check(errors)
        return self
    }
}

/// Something the plan check found. Failures make `plan check` exit
/// non-zero; warnings are shown and do not.
public struct PlanFinding: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        // Failures.
        case tooFewInterviews = "too_few_interviews"
        case tooFewOpenDays = "too_few_open_days"
        // Warnings.
        case quarterWithoutInterview = "quarter_without_interview"
        case nonWorkingDay = "non_working_day"
        /// Announced fewer than `minimumNoticeDays` ahead.
        case shortNotice = "short_notice"
        /// Not announced, and fewer than `minimumNoticeDays` remain.
        case notAnnounced = "not_announced"
        /// The year's holiday notice is not loaded: only weekends were
        /// checked as non-working days.
        case noHolidayData = "no_holiday_data"
    }

    public var kind: Kind
    /// 1…4, when the finding is about a quarter or an event in it.
    public var quarter: Int?
    public var eventKind: PlannedEventKind?
    public var eventID: Int64?
    /// One English line an operator can act on; pages translate by `kind`.
    public var message: String
}

/// One event in the report, with what the check worked out about it.
public struct PlanEventLine: Sendable, Codable, Equatable {
    public var kind: PlannedEventKind
    public var id: Int64
    public var title: String
    /// ISO 8601 with the office's offset: `2027-03-16T09:30:00+08:00`.
    public var start: String
    /// The office date, `2027-03-16`, and its weekday, `Tue`.
    public var date: String
    public var weekday: String
    /// A `WorkingDayReason.code`: `weekday`, `statutory_holiday`…
    public var day: String
    public var holiday: String?
    public var workingDay: Bool
    /// Calendar days between announcement and start; nil when not announced.
    public var noticeDays: Int?
    public var cancelled: Bool
}

/// One quarter of the year.
public struct QuarterPlan: Sendable, Codable, Equatable {
    /// 1…4.
    public var quarter: Int
    /// `2027-01-01` … `2027-03-31`.
    public var firstDay: String
    public var lastDay: String
    /// Not cancelled.
    public var interviews: Int
    public var openDays: Int
    /// By start; cancelled ones included, marked.
    public var events: [PlanEventLine]
}

/// The answer to `wenzheng plan check --year Y`, and the office
/// dashboard's plan panel: counts per quarter, failures, warnings.
public struct PlanReport: Sendable, Codable, Equatable {
    public let year: Int
    public let targets: PlanTargets
    public let quarters: [QuarterPlan]
    public let interviews: Int
    public let openDays: Int
    /// Whether the year's State Council holiday notice is loaded.
    public let holidayDataLoaded: Bool
    public let failures: [PlanFinding]
    public let warnings: [PlanFinding]
    /// The targets are met: no failures. Stored, so the JSON carries it.
    public let passes: Bool

    init(
        year: Int, targets: PlanTargets, quarters: [QuarterPlan], interviews: Int, openDays: Int, holidayDataLoaded: Bool,
        failures: [PlanFinding], warnings: [PlanFinding]
    ) {
        self.year = year
        self.targets = targets
        self.quarters = quarters
        self.interviews = interviews
        self.openDays = openDays
        self.holidayDataLoaded = holidayDataLoaded
        self.failures = failures
        self.warnings = warnings
        self.passes = failures.isEmpty
    }

    /// What `plan check` exits with: 0 when the targets are met, 1 when not
    /// (warnings alone never fail it).
    public var exitStatus: Int32 { passes ? 0 : 1 }
}

public enum AnnualPlan {
    /// Checks the plan of `year` against `targets`.
    ///
    /// - Events whose start (office date) is outside `year` are ignored, so
    ///   the caller may pass every event it has.
    /// - Cancelled events are listed, never counted, never warned about.
    /// - Failures: fewer interviews or open days than the targets.
    /// - Warnings, in this order: the year's holiday notice is missing; each
    ///   quarter without an interview; then per event by start: a start on
    ///   a non-working day (weekend or statutory holiday, make-up working
    ///   days count as working), an interview announced fewer than
    ///   `minimumNoticeDays` ahead, or one not announced while fewer than
    ///   that many days remain before it at `now`.
    public static func check(
        year: Int, events: [PlannedEvent], targets: PlanTargets = .default, calendar: HolidayCalendar, now: Date
    ) -> PlanReport {
        let inYear = events.filter { CivilDate($0.start).year == year }
            .sorted { ($0.start, $0.kind.rawValue, $0.id) < ($1.start, $1.kind.rawValue, $1.id) }
        let counted = inYear.filter { !$0.cancelled }
        let today = CivilDate(now)
        var warnings: [PlanFinding] = []
        if !calendar.hasData(forYear: year) {
            warnings.append(
                PlanFinding(
                    kind: .noHolidayData, quarter: nil, eventKind: nil, eventID: nil,
                    message: "no holiday notice for \(year) is loaded, so only weekends were checked; import it with wenzheng calendar import"))
        }

        var lines: [PlanEventLine] = []
        var eventWarnings: [PlanFinding] = []
        for event in inYear {
            let date = CivilDate(event.start)
            let reason = calendar.reason(for: date)
            let noticeDays = event.announcedAt.map { date.daysSinceEpoch - CivilDate($0).daysSinceEpoch }
            lines.append(
                PlanEventLine(
                    kind: event.kind, id: event.id, title: event.title, start: OfficeDateTime.iso8601(event.start), date: date.description,
                    weekday: date.weekdayAbbreviation, day: reason.code, holiday: reason.holidayName, workingDay: reason.counts,
                    noticeDays: noticeDays, cancelled: event.cancelled))
            guard !event.cancelled else { continue }
            let name = "\(event.kind.label) \(event.id) '\(event.title)' on \(date) (\(date.weekdayAbbreviation))"
            func warn(_ kind: PlanFinding.Kind, _ message: String) {
                eventWarnings.append(
                    PlanFinding(kind: kind, quarter: quarter(of: date), eventKind: event.kind, eventID: event.id, message: message))
            }
            if !reason.counts {
                warn(.nonWorkingDay, "\(name) falls on a non-working day: \(reason)")
            }
            guard event.kind == .interview else { continue }
            if let noticeDays, noticeDays < targets.minimumNoticeDays {
                warn(.shortNotice, "\(name) was announced \(noticeDays) day(s) ahead, fewer than \(targets.minimumNoticeDays)")
            } else if noticeDays == nil, date.daysSinceEpoch - today.daysSinceEpoch < targets.minimumNoticeDays {
                warn(.notAnnounced, "\(name) is not announced and fewer than \(targets.minimumNoticeDays) days remain before it")
            }
        }

        var quarters: [QuarterPlan] = []
        for number in 1...4 {
            let first = CivilDate(year: year, month: number * 3 - 2, day: 1)
            let last = CivilDate(year: year, month: number * 3, day: CivilDate.daysIn(year: year, month: number * 3))
            let events = lines.filter { quarter(of: CivilDate($0.date)!) == number }
            let interviews = events.filter { $0.kind == .interview && !$0.cancelled }.count
            quarters.append(
                QuarterPlan(
                    quarter: number, firstDay: first.description, lastDay: last.description, interviews: interviews,
                    openDays: events.filter { $0.kind == .openDay && !$0.cancelled }.count, events: events))
            if interviews == 0 {
                warnings.append(
                    PlanFinding(
                        kind: .quarterWithoutInterview, quarter: number, eventKind: nil, eventID: nil,
                        message: "Q\(number) (\(first) to \(last)) has no interview"))
            }
        }
        warnings += eventWarnings

        let interviews = counted.filter { $0.kind == .interview }.count
        let openDays = counted.filter { $0.kind == .openDay }.count
        var failures: [PlanFinding] = []
        if interviews < targets.interviews {
            failures.append(
                PlanFinding(
                    kind: .tooFewInterviews, quarter: nil, eventKind: .interview, eventID: nil,
                    message: "\(year) has \(interviews) interview(s) planned; at least \(targets.interviews) are required"))
        }
        if openDays < targets.openDays {
            failures.append(
                PlanFinding(
                    kind: .tooFewOpenDays, quarter: nil, eventKind: .openDay, eventID: nil,
                    message: "\(year) has \(openDays) open day(s) planned; at least \(targets.openDays) are required"))
        }
        return PlanReport(
            year: year, targets: targets, quarters: quarters, interviews: interviews, openDays: openDays,
            holidayDataLoaded: calendar.hasData(forYear: year), failures: failures, warnings: warnings)
    }

    /// 1…4.
    public static func quarter(of date: CivilDate) -> Int { (date.month - 1) / 3 + 1 }
}
