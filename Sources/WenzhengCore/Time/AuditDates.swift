import Foundation

/// Dates as office staff type them: `2026-11-01` means the start of that
/// day in Beijing time, where the office works; a full ISO 8601 time is
/// taken as given.
public enum AuditDates {
    /// Beijing time, where the office works (`CivilDate.officeTimeZone`).
    public static var officeTimeZone: TimeZone { CivilDate.officeTimeZone }

    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let instant = try? Date(trimmed, strategy: .iso8601) { return instant }
        let parts = trimmed.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            parts[0].count == 4, (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = officeTimeZone
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day else { return nil }
        return date
    }
}
