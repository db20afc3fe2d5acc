/// The office's working days: Monday to Friday, minus statutory holidays,
/// plus make-up working days (调休), as the State Council's yearly notices
/// set them.
///
/// A year whose notice is not loaded falls back to weekends and the
/// holidays fixed by date in the 全国年节及纪念日放假办法 (1 January,
/// 1–2 May, 1–3 October): no notice can make those working days. A
/// deadline that counts a day in such a year is still computed, because
/// the office must tell the citizen something, but it is marked
/// provisional: the real holidays may move it later. So is a deadline that
/// counts a day in the last week of December before the next year's
/// notice is loaded, because that notice arranges 元旦 and may move those
/// days (the 2019 notice made Saturday 2018-12-29 a working day and Monday
/// 2018-12-31 a day off).
public struct HolidayCalendar: WorkingDayCalendar {
    /// Years whose notice is loaded. A notice's neighbouring-year dates do
    /// not make that neighbouring year known.
    public let yearsWithData: Set<Int>
    private let days: [CivilDate: HolidayNotice.Day]

    /// A calendar from notices. When two notices speak about the same date,
    /// `noticeTakesPrecedence` decides.
    public init(notices: [HolidayNotice]) {
        var days: [CivilDate: HolidayNotice.Day] = [:]
        var owner: [CivilDate: Int] = [:]
        for notice in notices {
            for day in notice.days {
                if let existing = owner[day.date],
                    !Self.noticeTakesPrecedence(noticeYear: notice.year, over: existing, on: day.date)
                {
                    continue
                }
                days[day.date] = day
                owner[day.date] = notice.year
            }
        }
        self.init(yearsWithData: Set(notices.map(\.year)), days: Array(days.values))
    }

    /// A calendar from days already reconciled, as the store keeps them
    /// (one row per date). If a date repeats, the last one wins.
    public init(yearsWithData: Set<Int>, days: [HolidayNotice.Day]) {
        self.yearsWithData = yearsWithData
        var byDate: [CivilDate: HolidayNotice.Day] = [:]
        for day in days { byDate[day.date] = day }
        self.days = byDate
    }

    /// The notices shipped with Wenzheng (see `ShippedHolidayNotices`).
    public static let shipped = HolidayCalendar(notices: ShippedHolidayNotices.all)

    /// Whether a notice for `noticeYear` should replace what a notice for
    /// `existingYear` says about `date`. A year's own notice is the
    /// authority on its dates; between two neighbours, the later one wins.
    /// (Real notices do not contradict each other; this only makes the
    /// outcome deterministic and the same in memory and in the store.)
    public static func noticeTakesPrecedence(noticeYear: Int, over existingYear: Int, on date: CivilDate) -> Bool {
        noticeYear == date.year || existingYear != date.year
    }

    public func hasData(forYear year: Int) -> Bool { yearsWithData.contains(year) }

    /// The first day of December that the next year's notice may still
    /// arrange. Notices have reached back as far as 29 December (2007,
    /// 2018); a week leaves room for a 元旦 that falls on a Thursday.
    public static let provisionalDecemberFrom = 25

    /// The years whose notice `date` waits for: its own when that is not
    /// loaded, and the next one for a day in the last week of December.
    public func missingYears(for date: CivilDate) -> [Int] {
        var years: [Int] = []
        if !hasData(forYear: date.year) { years.append(date.year) }
        if date.month == 12, date.day >= Self.provisionalDecemberFrom, !hasData(forYear: date.year + 1) {
            years.append(date.year + 1)
        }
        return years
    }

    /// Whether a loaded notice could still change what `date` is: a
    /// deadline that counts it is provisional.
    public func isProvisional(_ date: CivilDate) -> Bool { !missingYears(for: date).isEmpty }

    /// The statutory holidays fixed by date (全国年节及纪念日放假办法, art. 2,
    /// as revised in 2024: 元旦 1 January, 劳动节 1–2 May from 2025, 国庆节
    /// 1–3 October). They are days off in every year, with or without a
    /// notice; the lunar holidays (春节, 清明节, 端午节, 中秋节) and the make-up
    /// working days need the year's notice.
    public static func fixedStatutoryHoliday(on date: CivilDate) -> String? {
        switch (date.month, date.day) {
        case (1, 1): "元旦"
        case (5, 1): "劳动节"
        case (5, 2) where date.year >= 2025: "劳动节"
        case (10, 1), (10, 2), (10, 3): "国庆节"
        default: nil
        }
    }

    /// What a loaded notice says about `date`, if anything.
    public func noticeDay(on date: CivilDate) -> HolidayNotice.Day? { days[date] }

    /// Every day the notices speak about, by date.
    public var allNoticeDays: [HolidayNotice.Day] { days.values.sorted { $0.date < $1.date } }

    public func isWorkingDay(_ date: CivilDate) -> Bool {
        if let day = days[date] { return !day.isOffDay }
        return !date.isWeekend && Self.fixedStatutoryHoliday(on: date) == nil
    }

    /// Whether `date` is a working day, and why.
    public func reason(for date: CivilDate) -> WorkingDayReason {
        if let day = days[date] {
            return day.isOffDay ? .statutoryHoliday(day.name) : .makeUpWorkingDay(for: day.name)
        }
        if let holiday = Self.fixedStatutoryHoliday(on: date) { return .statutoryHoliday(holiday) }
        switch (hasData(forYear: date.year), date.isWeekend) {
        case (true, false): return .weekday
        case (true, true): return .weekend
        case (false, false): return .weekdayWithoutHolidayData(year: date.year)
        case (false, true): return .weekendWithoutHolidayData(year: date.year)
        }
    }

    /// The deadline `workingDays` working days after `received` (the day of
    /// receipt not counted, Civil Code art. 201), and whether it is
    /// provisional. Same date as `adding(workingDays:to:)`.
    public func deadline(from received: CivilDate, workingDays: Int) -> WorkingDayDeadline {
        walk(from: received, workingDays: workingDays) { _ in }
    }

    /// Each day from the day after receipt to the deadline: counted or
    /// skipped, and why. For the CLI and for showing staff (and citizens)
    /// how a deadline was reached.
    public func explain(from received: CivilDate, workingDays: Int) -> DeadlineExplanation {
        var explained: [ExplainedDay] = []
        let deadline = walk(from: received, workingDays: workingDays) { explained.append($0) }
        return DeadlineExplanation(deadline: deadline, days: explained)
    }

    private func walk(from received: CivilDate, workingDays: Int, visit: (ExplainedDay) -> Void) -> WorkingDayDeadline {
        precondition(workingDays >= 0)
        var date = received
        var counted = 0
        var yearsWithoutData: Set<Int> = []
        while counted < workingDays {
            date = date.nextDay
            yearsWithoutData.formUnion(missingYears(for: date))
            let reason = reason(for: date)
            if reason.counts { counted += 1 }
            visit(ExplainedDay(date: date, workingDayNumber: reason.counts ? counted : nil, reason: reason))
        }
        return WorkingDayDeadline(
            received: received, workingDays: workingDays, date: date, yearsWithoutData: yearsWithoutData.sorted())
    }
}

/// Why a day counts as a working day or not.
public enum WorkingDayReason: Sendable, Hashable {
    case weekday
    case weekend
    /// A day off in a loaded notice (放假), named by its holiday.
    case statutoryHoliday(String)
    /// A weekend day worked to make up for the named holiday (调休上班).
    case makeUpWorkingDay(for: String)
    /// A weekday in a year with no notice loaded: counted, provisionally.
    case weekdayWithoutHolidayData(year: Int)
    /// A weekend day in a year with no notice loaded: skipped, though it
    /// might turn out to be a make-up working day.
    case weekendWithoutHolidayData(year: Int)

    /// Whether the day is a working day.
    public var counts: Bool {
        switch self {
        case .weekday, .makeUpWorkingDay, .weekdayWithoutHolidayData: true
        case .weekend, .statutoryHoliday, .weekendWithoutHolidayData: false
        }
    }

    /// A stable code for pages and JSON, which translate it.
    public var code: String {
        switch self {
        case .weekday: "weekday"
        case .weekend: "weekend"
        case .statutoryHoliday: "statutory_holiday"
        case .makeUpWorkingDay: "make_up_working_day"
        case .weekdayWithoutHolidayData: "weekday_without_holiday_data"
        case .weekendWithoutHolidayData: "weekend_without_holiday_data"
        }
    }

    /// The holiday the day belongs to, if any.
    public var holidayName: String? {
        switch self {
        case .statutoryHoliday(let name), .makeUpWorkingDay(let name): name
        default: nil
        }
    }
}

extension WorkingDayReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .weekday: "weekday"
        case .weekend: "weekend"
        case .statutoryHoliday(let name): "statutory holiday \(name)"
        case .makeUpWorkingDay(let name): "make-up working day (调休) for \(name)"
        case .weekdayWithoutHolidayData(let year): "no holiday data for \(year): weekdays only"
        case .weekendWithoutHolidayData(let year): "weekend (no holiday data for \(year): weekdays only)"
        }
    }
}

/// A deadline counted in working days.
public struct WorkingDayDeadline: Sendable, Hashable {
    /// The day of receipt (not counted).
    public var received: CivilDate
    public var workingDays: Int
    /// The last day to act: the `workingDays`-th working day after receipt.
    public var date: CivilDate
    /// Years whose notice is not loaded although a day counted needs it:
    /// the day's own year, or the next one for a day in the last week of
    /// December (`HolidayCalendar.missingYears(for:)`).
    public var yearsWithoutData: [Int]

    /// True when some counted day needs a notice that is not loaded, so
    /// the date may still move once that notice is imported.
    public var isProvisional: Bool { !yearsWithoutData.isEmpty }
}

/// One day between receipt and deadline.
public struct ExplainedDay: Sendable, Hashable {
    public var date: CivilDate
    /// 1 for the first working day counted, and so on; nil for a day skipped.
    public var workingDayNumber: Int?
    public var reason: WorkingDayReason

    public var counts: Bool { workingDayNumber != nil }
}

/// How a deadline was reached, day by day.
public struct DeadlineExplanation: Sendable, Hashable {
    public var deadline: WorkingDayDeadline
    /// From the day after receipt to the deadline, in order.
    public var days: [ExplainedDay]
}
