import Foundation

/// A day on the office's calendar, without a time or time zone: deadlines
/// are dates, counted in Beijing time where the office works.
public struct CivilDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `2026-02-13`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(year: year, month: month)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public static let officeTimeZone = TimeZone(identifier: "Asia/Shanghai")!

    /// The office's date at an instant.
    public init(_ date: Date, in timeZone: TimeZone = officeTimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = calendar.dateComponents([.year, .month, .day], from: date)
        self.init(year: components.year!, month: components.month!, day: components.day!)
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(year: Int, month: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// The next day.
    public var nextDay: CivilDate {
        if day < Self.daysIn(year: year, month: month) { return CivilDate(year: year, month: month, day: day + 1) }
        if month < 12 { return CivilDate(year: year, month: month + 1, day: 1) }
        return CivilDate(year: year + 1, month: 1, day: 1)
    }

    /// 1 = Monday … 7 = Sunday (ISO 8601), by Zeller-style arithmetic.
    public var isoWeekday: Int {
        // Days since 1970-01-01 (a Thursday).
        let days = daysSinceEpoch
        return ((days % 7) + 7 + 3) % 7 + 1
    }

    /// Days since 1970-01-01 (civil-from-days algorithm, proleptic Gregorian).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}

extension CivilDate {
    /// The date `days` days after 1970-01-01 (days-from-civil, the inverse of
    /// `daysSinceEpoch`), so tests and tools can step through dates by
    /// arithmetic instead of looping over `nextDay`.
    public init(daysSinceEpoch days: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    /// Saturday or Sunday.
    public var isWeekend: Bool { isoWeekday >= 6 }

    /// `Mon` … `Sun`, for command-line output.
    public var weekdayAbbreviation: String {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][isoWeekday - 1]
    }

    /// `周一` … `周日`, as notices and pages write weekdays.
    public var chineseWeekday: String {
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][isoWeekday - 1]
    }
}
