import Foundation

/// One year's State Council holiday arrangement (国务院办公厅关于某年部分节假日安排的通知),
/// in the shape of the widely used holiday-cn JSON files:
///
/// ```json
/// {"year": 2026, "papers": ["https://www.gov.cn/…"],
///  "days": [{"name": "春节", "date": "2026-02-15", "isOffDay": true}, …]}
/// ```
///
/// A day with `isOffDay: false` is a make-up working day (调休上班), usually
/// a Saturday or Sunday; its name is the holiday it makes up for. A notice
/// may list dates of the neighbouring year (the 2023 notice gave
/// 2022-12-31 off for 元旦), so days are keyed by their own date, never by
/// the notice's year.
public struct HolidayNotice: Sendable, Equatable {
    /// One date the notice speaks about.
    public struct Day: Sendable, Hashable {
        public var date: CivilDate
        /// The holiday: 春节, 国庆节、中秋节… For a make-up working day, the
        /// holiday it makes up for.
        public var name: String
        /// True for a day off, false for a make-up working day.
        public var isOffDay: Bool

        public init(date: CivilDate, name: String, isOffDay: Bool) {
            self.date = date
            self.name = name
            self.isOffDay = isOffDay
        }
    }

    /// Years a notice can be for. Anything else is a typo or a different
    /// kind of file, and would silently make a deadline wrong.
    public static let supportedYears = 2000...2100

    public let year: Int
    /// Links to the published notice (gov.cn), kept so every date can be
    /// checked against its source.
    public let papers: [String]
    /// By date, each date once.
    public let days: [Day]

    /// Checks the notice the same way `parse` does, so a notice built in
    /// code obeys the same rules as one read from a file.
    ///
    /// Identical repeats of a day are merged; repeats that disagree are an
    /// error, because either reading could make a deadline wrong.
    public init(year: Int, papers: [String] = [], days: [Day]) throws(HolidayNoticeError) {
        guard Self.supportedYears.contains(year) else { throw .yearOutOfRange(year) }
        guard !days.isEmpty else { throw .noDays(year: year) }
        var byDate: [CivilDate: Day] = [:]
        for day in days {
            guard abs(day.date.year - year) <= 1 else {
                throw .dateOutsideNoticeYear(day.date.description, year: year)
            }
            let name = day.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty else { throw .missingName(day.date.description) }
            let cleaned = Day(date: day.date, name: name, isOffDay: day.isOffDay)
            if let earlier = byDate[day.date], earlier != cleaned {
                throw .conflictingDuplicate(day.date.description)
            }
            byDate[day.date] = cleaned
        }
        self.year = year
        self.papers = papers
        self.days = byDate.values.sorted { $0.date < $1.date }
    }

    /// Reads a holiday-cn JSON file. Other keys (holiday-cn's `$schema`,
    /// `$id`) are ignored; `papers` may be missing.
    public static func parse(_ data: Data) throws(HolidayNoticeError) -> HolidayNotice {
        let file: NoticeFile
        do {
            file = try JSONDecoder().decode(NoticeFile.self, from: data)
        } catch let error as DecodingError {
            throw HolidayNoticeError(error)
        } catch {
            throw .invalidJSON(String(describing: error))
        }
        var days: [Day] = []
        for (index, day) in file.days.enumerated() {
            guard let date = CivilDate(day.date) else { throw .badDate(day.date, field: "days[\(index)].date") }
            days.append(Day(date: date, name: day.name, isOffDay: day.isOffDay))
        }
        return try HolidayNotice(year: file.year, papers: file.papers ?? [], days: days)
    }

    /// The notice as holiday-cn JSON, days by date: what `parse` reads.
    public func jsonData() -> Data {
        let file = NoticeFile(
            year: year, papers: papers,
            days: days.map { NoticeFile.FileDay(name: $0.name, date: $0.date.description, isOffDay: $0.isOffDay) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and booleans cannot fail.
        return (try? encoder.encode(file)) ?? Data()
    }

    /// `papers` as a JSON array, as the store keeps it.
    public var papersJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(papers)) ?? Data("[]".utf8), as: UTF8.self)
    }

    public var offDays: [Day] { days.filter(\.isOffDay) }
    public var makeUpWorkingDays: [Day] { days.filter { !$0.isOffDay } }

    /// The file as holiday-cn writes it.
    private struct NoticeFile: Codable {
        struct FileDay: Codable {
            var name: String
            var date: String
            var isOffDay: Bool
        }
        var year: Int
        var papers: [String]?
        var days: [FileDay]
    }
}

/// Why a holiday notice was refused, as one line an operator can act on.
public enum HolidayNoticeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not JSON at all, or cut short.
    case invalidJSON(String)
    /// A required field is absent (`days`, `days[3].isOffDay`…).
    case missingField(String)
    /// A field has the wrong kind of value.
    case wrongType(field: String, expected: String)
    /// A date that is not `YYYY-MM-DD` on the calendar.
    case badDate(String, field: String)
    case yearOutOfRange(Int)
    /// holiday-cn publishes an empty file for a year before the State
    /// Council's notice is out; taking it as data would count every weekday
    /// of that year as a working day.
    case noDays(year: Int)
    /// A day more than a year away from the notice's year.
    case dateOutsideNoticeYear(String, year: Int)
    case missingName(String)
    /// The same date twice with different values.
    case conflictingDuplicate(String)

    init(_ error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { path, key in
                if let index = key.intValue { return path + "[\(index)]" }
                return path.isEmpty ? key.stringValue : path + "." + key.stringValue
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            self = .missingField(path(context.codingPath + [key]))
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let expected: String
            switch ObjectIdentifier(type) {
            case ObjectIdentifier(Bool.self): expected = "true or false"
            case ObjectIdentifier(Int.self): expected = "a whole number"
            case ObjectIdentifier(String.self): expected = "a string"
            default: expected = String(describing: type).hasPrefix("Array") ? "a list" : "an object"
            }
            self = .wrongType(field: path(context.codingPath), expected: expected)
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = (context.underlyingError.map { String(describing: $0) } ?? context.debugDescription)
                self = .invalidJSON(detail)
            } else {
                self = .wrongType(field: path(context.codingPath), expected: "a valid value")
            }
        @unknown default:
            self = .invalidJSON(String(describing: error))
        }
    }

    public var description: String {
        let text: String
        switch self {
        case .invalidJSON(let detail):
            text = "not valid JSON (\(detail))"
        case .missingField(let field):
            text = "missing field '\(field)'"
        case .wrongType(let field, let expected):
            text = field.isEmpty ? "expected a JSON object with year, papers and days" : "'\(field)' must be \(expected)"
        case .badDate(let value, let field):
            text = "'\(field)' is '\(value)', not a date like 2026-02-15"
        case .yearOutOfRange(let year):
            text = "year \(year) is outside \(HolidayNotice.supportedYears.lowerBound)…\(HolidayNotice.supportedYears.upperBound)"
        case .noDays(let year):
            text = "the notice for \(year) lists no days (holiday-cn publishes an empty file until the State Council's notice is out)"
        case .dateOutsideNoticeYear(let date, let year):
            text = "\(date) is not in \(year) or a neighbouring year"
        case .missingName(let date):
            text = "\(date) has no holiday name"
        case .conflictingDuplicate(let date):
            text = "\(date) is listed twice with different values"
        }
        // One line, whatever the JSON parser's message looked like.
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
