import Foundation

/// How long citizens' personal data is kept once the matter it was given
/// for is over (PIPL art. 19: no longer than the purpose needs), and what is
/// left in its place. docs/privacy.md.
///
/// What counts as "over":
/// - a letter: closed (replied, transferred, rejected, withdrawn), counted
///   from the last thing that happened to it (its last timeline event), so
///   a follow-up or a rating restarts the count;
/// - an open-day registration: the open day has ended (or the registration
///   was cancelled), counted from the day's end.
public struct RetentionPolicy: Sendable, Equatable {
    /// Years a closed letter keeps its author's name, phone, e-mail, client
    /// address and the citizen's attachments; nil keeps them for ever.
    public var letterPersonalYears: Int?
    /// Years an open-day registration keeps the visitor's name, phone and
    /// e-mail after the day; nil keeps them for ever.
    public var registrationPersonalYears: Int?

    public init(letterPersonalYears: Int? = 3, registrationPersonalYears: Int? = 1) {
        self.letterPersonalYears = letterPersonalYears
        self.registrationPersonalYears = registrationPersonalYears
    }

    /// The defaults: three years for letters, one year for open-day
    /// visitors. Starting values only: each office sets them to its own
    /// records schedule (档案保管期限), which the law leaves to it.
    public static let defaults = RetentionPolicy()

    /// The range an option accepts: 1 to 30 years, or 0 for "keep".
    public static let yearsRange = 0...30

    /// Years from an option's text: `3`, or `0`/`never` to keep for ever.
    public static func years(_ text: String) -> Int?? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "never" { return .some(nil) }
        guard let value = Int(trimmed), yearsRange.contains(value) else { return nil }
        return .some(value == 0 ? nil : value)
    }

    /// Letters that closed before this instant lose their personal fields.
    public func letterCutoff(now: Date) -> Date? {
        letterPersonalYears.map { Self.subtracting(years: $0, from: now) }
    }

    /// Registrations for open days that ended before this instant lose theirs.
    public func registrationCutoff(now: Date) -> Date? {
        registrationPersonalYears.map { Self.subtracting(years: $0, from: now) }
    }

    /// Calendar years in Beijing time (a leap day becomes 28 February).
    static func subtracting(years: Int, from date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        return calendar.date(byAdding: .year, value: -years, to: date) ?? date
    }
}

/// What is left where personal data was erased, by retention or on request.
public enum ErasedPersonalData {
    /// A letter's and a registration's name cannot be empty (the schema's
    /// CHECKs keep a name on every row); this is the name they keep.
    public static let name = "（已删除）"
}
