import Foundation

/// A wall-clock time at the office: a civil date and a time of day in
/// Beijing time (`CivilDate.officeTimeZone`), to the second.
///
/// Computed by arithmetic on `CivilDate.daysSinceEpoch` and the zone's
/// offset, without `Calendar` or `DateFormatter`, so that exports and
/// messages are the same on every machine and locale. Asia/Shanghai has
/// kept UTC+8 without summer time since 1991; the zone is still asked for
/// its offset rather than assuming +8, and `OfficeTimeText` only accepts
/// years where that offset is fixed.
public struct OfficeDateTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var date: CivilDate
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(date: CivilDate, hour: Int, minute: Int, second: Int = 0) {
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The office's wall-clock time at an instant (fractions of a second
    /// dropped, towards the past).
    public init(_ instant: Date, in timeZone: TimeZone = CivilDate.officeTimeZone) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: instant)
        let (days, secondOfDay) = Self.floorDivision(seconds, 86_400)
        self.init(
            date: CivilDate(daysSinceEpoch: days), hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
            second: secondOfDay % 60)
    }

    /// The instant this wall-clock time names in `timeZone`.
    public func instant(in timeZone: TimeZone = CivilDate.officeTimeZone) -> Date {
        let local = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second
        // The offset at the local time read as UTC is right except within a
        // transition's hours; asking again at the corrected instant settles it.
        let first = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local)))
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local - first)))
        return Date(timeIntervalSince1970: TimeInterval(local - offset))
    }

    /// `2027-03-16T09:30`, or `2027-03-16T09:30:15` when the seconds are
    /// not zero: the form `OfficeTimeText.parse` reads back.
    public var description: String {
        second == 0 ? "\(date)T\(hourMinute)" : "\(date)T\(hourMinute):\(Self.twoDigits(second))"
    }

    /// `2027-03-16T09:30:00+08:00`: ISO 8601 with the zone's offset, for
    /// JSON, where a reader must not have to know where the office is.
    public static func iso8601(_ instant: Date, in timeZone: TimeZone = CivilDate.officeTimeZone) -> String {
        let local = OfficeDateTime(instant, in: timeZone)
        let offset = timeZone.secondsFromGMT(for: instant)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return "\(local.date)T\(local.hourMinute):\(twoDigits(local.second))\(sign)\(twoDigits(minutes / 60)):\(twoDigits(minutes % 60))"
    }

    /// `09:30`.
    public var hourMinute: String { "\(Self.twoDigits(hour)):\(Self.twoDigits(minute))" }

    public static func < (lhs: OfficeDateTime, rhs: OfficeDateTime) -> Bool {
        (lhs.date, lhs.hour, lhs.minute, lhs.second) < (rhs.date, rhs.hour, rhs.minute, rhs.second)
    }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func floorDivision(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = ((value % divisor) + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }
}

/// Times as office staff type them on the command line: `2027-03-16T09:30`
/// is Beijing time; an explicit offset (`2027-03-16T09:30+08:00`,
/// `2027-03-16T01:30Z`) is taken as given.
///
/// Accepted: `YYYY-MM-DD`, then `T` or one space, then `HH:MM` or
/// `HH:MM:SS`, then optionally `Z` or an offset `±HH:MM` / `±HHMM`. Only
/// ASCII digits; hours 00–23; a date that exists (2028-02-29 yes,
/// 2027-02-29 no); years in `supportedYears`. A date without a time is
/// refused: an event's start needs one, and guessing midnight would put it
/// on the wrong side of a deadline.
public enum OfficeTimeText {
    /// Years a scheduled time can be in: where the office zone has a fixed
    /// offset, and far enough either side for any plan.
    public static let supportedYears = 2000...2100

    /// The form to show in every error.
    public static let example = "2027-03-16T09:30"

    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        /// What exactly is wrong, when more can be said than "not a time".
        public var reason: String?

        public init(text: String, reason: String? = nil) {
            self.text = text
            self.reason = reason
        }

        public var description: String {
            let why = reason.map { " (\($0))" } ?? ""
            return "'\(text)' is not a time\(why); write the date and the Beijing time, for example \(OfficeTimeText.example),"
                + " or add an offset: 2027-03-16T09:30+08:00"
        }

        /// The same, for a form field or an API problem.
        public func fieldError(_ field: String) -> FieldError {
            FieldError(field: field, code: "invalid_time", message: "\(field): \(description)")
        }
    }

    /// The instant `text` names; throws `Invalid` with an example otherwise.
    public static func parse(_ text: String) throws(Invalid) -> Date {
        let bytes = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var reader = ByteReader(bytes: bytes)
        func fail(_ reason: String? = nil) -> Invalid { Invalid(text: text, reason: reason) }

        guard let year = reader.number(digits: 4), reader.take("-"), let month = reader.number(digits: 2), reader.take("-"),
            let day = reader.number(digits: 2)
        else { throw fail() }
        guard supportedYears.contains(year) else {
            throw fail("the year must be between \(supportedYears.lowerBound) and \(supportedYears.upperBound)")
        }
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(year: year, month: month) else {
            throw fail("there is no such day")
        }
        guard reader.take("T") || reader.take("t") || reader.take(" ") else {
            throw fail(reader.atEnd ? "the time of day is missing" : nil)
        }
        guard let hour = reader.number(digits: 2), reader.take(":"), let minute = reader.number(digits: 2) else { throw fail() }
        var second = 0
        if reader.take(":") {
            guard let value = reader.number(digits: 2) else { throw fail() }
            second = value
        }
        guard hour <= 23, minute <= 59, second <= 59 else { throw fail("there is no such time of day") }
        let local = OfficeDateTime(date: CivilDate(year: year, month: month, day: day), hour: hour, minute: minute, second: second)

        if reader.atEnd { return local.instant() }
        let offsetSeconds: Int
        if reader.take("Z") || reader.take("z") {
            offsetSeconds = 0
        } else if let sign = reader.sign() {
            guard let hours = reader.number(digits: 2) else { throw fail() }
            _ = reader.take(":")
            guard let minutes = reader.number(digits: 2), hours <= 14, minutes <= 59 else {
                throw fail("an offset is written +08:00")
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        } else {
            throw fail()
        }
        guard reader.atEnd else { throw fail() }
        // The wall-clock time read as UTC, moved back by the offset.
        return Date(timeIntervalSince1970: local.instant(in: TimeZone(secondsFromGMT: 0)!).timeIntervalSince1970 - TimeInterval(offsetSeconds))
    }

    /// An instant as API clients write it in JSON (`2026-12-03T10:00:00+08:00`,
    /// `…Z`, optionally with 1 to 9 digits of fractional seconds), every
    /// field in range; nil otherwise. Stricter in form than `parse` (seconds
    /// and an offset are required, `T` and `Z` upper case) and looser in
    /// range (any four-digit year, offsets Foundation's time zones take).
    /// Foundation's `.iso8601` strategy rolls `12:99` over into `13:39`: a
    /// mistyped time was stored as another time instead of refused (found
    /// by the API fuzzer).
    public static func parseInstant(_ text: String) -> Date? {
        var reader = ByteReader(bytes: Array(text.utf8))
        guard let year = reader.number(digits: 4), reader.take("-"), let month = reader.number(digits: 2), reader.take("-"),
            let day = reader.number(digits: 2), reader.take("T"), let hour = reader.number(digits: 2), reader.take(":"),
            let minute = reader.number(digits: 2), reader.take(":"), let second = reader.number(digits: 2),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var nanoseconds = 0
        if reader.take(".") {
            guard let fraction = reader.nanoseconds() else { return nil }
            nanoseconds = fraction
        }
        let offset: Int
        if reader.take("Z") {
            offset = 0
        } else if let sign = reader.sign(), let hours = reader.number(digits: 2), reader.take(":"),
            let minutes = reader.number(digits: 2), hours <= 23, minutes <= 59
        {
            offset = sign * (hours * 60 + minutes) * 60
        } else {
            return nil
        }
        guard reader.atEnd, let zone = TimeZone(secondsFromGMT: offset) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let fields = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        // 31 February and the like: the calendar would roll them over too.
        guard fields.isValidDate(in: calendar), let whole = calendar.date(from: fields) else { return nil }
        return whole.addingTimeInterval(Double(nanoseconds) / 1_000_000_000)
    }

    /// `2027-03-16T09:30` in Beijing time: what `parse` reads back.
    public static func format(_ instant: Date) -> String {
        OfficeDateTime(instant).description
    }

    /// A start in the past is refused: the example shows the same time of
    /// day a week from `now`, so the operator sees the expected shape with
    /// a date that would be accepted.
    public static func checkFuture(_ instant: Date, field: String, now: Date) throws(FieldError) {
        guard instant <= now else { return }
        var example = OfficeDateTime(now.addingTimeInterval(7 * 86_400))
        (example.hour, example.minute, example.second) = (9, 30, 0)
        throw FieldError(
            field: field, code: "in_the_past",
            message: "\(field) \(format(instant)) is in the past (it is now \(format(now)) in Beijing); give a later time, for example \(example)")
    }
}

/// Reads ASCII from the front of some bytes.
private struct ByteReader {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index == bytes.count }

    /// Exactly `digits` ASCII digits.
    mutating func number(digits: Int) -> Int? {
        guard index + digits <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[index..<index + digits] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        index += digits
        return value
    }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    /// The digits of a fraction of a second, 1 to 9 of them, as
    /// nanoseconds; nil for none or more than 9.
    mutating func nanoseconds() -> Int? {
        var count = 0
        while index + count < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + count]) { count += 1 }
        guard (1...9).contains(count), let value = number(digits: count) else { return nil }
        var scale = 1
        for _ in count..<9 { scale *= 10 }
        return value * scale
    }

    /// `+` → 1, `-` → -1.
    mutating func sign() -> Int? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }
}
