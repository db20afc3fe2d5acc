/// Which days are working days: `WeekdayCalendar` knows only weekends,
/// `HolidayCalendar` adds the State Council's holidays and make-up days.
public protocol WorkingDayCalendar: Sendable {
    func isWorkingDay(_ date: CivilDate) -> Bool
}

/// Monday to Friday.
public struct WeekdayCalendar: WorkingDayCalendar {
    public init() {}
    public func isWorkingDay(_ date: CivilDate) -> Bool { date.isoWeekday <= 5 }
}

extension WorkingDayCalendar {
    /// The N-th working day after `start` (the start day itself is not
    /// counted, as the Civil Code counts periods).
    public func adding(workingDays count: Int, to start: CivilDate) -> CivilDate {
        precondition(count >= 0)
        var date = start
        var remaining = count
        while remaining > 0 {
            date = date.nextDay
            if isWorkingDay(date) { remaining -= 1 }
        }
        return date
    }
}
