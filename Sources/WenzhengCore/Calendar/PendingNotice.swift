/// Deadlines that a holiday notice not yet loaded may still move.
extension HolidayCalendar {
    /// From this day of December on, the next year's notice may still change
    /// which days are worked: a New Year holiday and its make-up days reach
    /// back into the old year (the 2019 notice made Saturday 2018-12-29 a
    /// working day and Monday 12-31 a day off).
    public static let lateDecemberFirstDay = 20

    /// Whether `deadline` is provisional: it counts days of a year without a
    /// loaded notice, or it falls in late December before the next year's
    /// notice is loaded.
    public func deadlineAwaitsNotice(_ deadline: WorkingDayDeadline) -> Bool {
        if deadline.isProvisional { return true }
        let date = deadline.date
        return date.month == 12 && date.day >= Self.lateDecemberFirstDay && !hasData(forYear: date.year + 1)
    }
}
