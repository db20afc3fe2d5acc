/// Durations as people type them on a command line: `90m`, `1h30m`, `2s`,
/// `250ms`, `3d`. One or more whole numbers, each followed by a unit
/// (`ms`, `s`, `m`, `h`, `d`), largest unit first.
public enum DurationText {
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var description: String {
            "'\(text)' is not a duration; write a number and a unit, for example 90m, 1h30m, 20s or 250ms"
        }
    }

    static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// The duration `text` names; throws `Invalid` with an example otherwise.
    public static func parse(_ text: String) throws(Invalid) -> Duration {
        let trimmed = text.trimmingWhitespace()
        var rest = Substring(trimmed)
        var total: Int64 = 0
        var previousUnit = Int64.max
        guard !rest.isEmpty else { throw Invalid(text: text) }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 9, let number = Int64(digits) else { throw Invalid(text: text) }
            rest = rest.dropFirst(digits.count)
            // "ms" before "m" and "s", so the longest suffix wins.
            guard let unit = units.sorted(by: { $0.suffix.count > $1.suffix.count }).first(where: { rest.hasPrefix($0.suffix) }),
                unit.milliseconds < previousUnit
            else { throw Invalid(text: text) }
            rest = rest.dropFirst(unit.suffix.count)
            previousUnit = unit.milliseconds
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { throw Invalid(text: text) }
            total += product
        }
        return .milliseconds(total)
    }

    /// The shortest text `parse` reads back as `duration` (whole milliseconds).
    public static func format(_ duration: Duration) -> String {
        var milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds == 0 { return "0s" }
        var text = ""
        for unit in units.reversed() where milliseconds >= unit.milliseconds {
            let count = milliseconds / unit.milliseconds
            if count > 0 {
                text += "\(count)\(unit.suffix)"
                milliseconds -= count * unit.milliseconds
            }
        }
        return text
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
