import Foundation
import WenzhengCore

/// Times as every page shows them: to the minute, in Beijing time where the
/// office works. Built from calendar components rather than a
/// DateFormatter per call, which pages with long lists called per row.
enum OfficeTime {
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CivilDate.officeTimeZone
        return calendar
    }()

    /// `2026-11-29 12:40`.
    static func minute(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!)
    }
}
