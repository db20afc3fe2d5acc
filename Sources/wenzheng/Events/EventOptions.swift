import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// An event on the command line: interviews and open days are numbered
/// apart, so an id names its kind, `interview:12` or `open-day:3` (the
/// kind as `events list` prints it).
struct EventID: Hashable, CustomStringConvertible {
    var kind: PlannedEventKind
    var number: Int64

    static let example = "interview:12 or open-day:3"

    var description: String { "\(Self.prefix(kind)):\(number)" }

    static func prefix(_ kind: PlannedEventKind) -> String { kind == .interview ? "interview" : "open-day" }

    /// `interview:12`, `open-day:3` (also `open_day:3`, any case); a bare
    /// number is refused, because it could be either.
    static func parse(_ text: String) throws -> EventID {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw ValidationError("'\(text)' does not say which kind of event; write \(example) (the ids wenzheng events list prints)")
        }
        let kind: PlannedEventKind
        switch parts[0].lowercased() {
        case "interview": kind = .interview
        case "open-day", "open_day", "openday": kind = .openDay
        default: throw ValidationError("'\(parts[0])' is not a kind of event; write \(example)")
        }
        guard parts[1].allSatisfy(\.isASCII), let number = Int64(parts[1]), number > 0 else {
            throw ValidationError("'\(parts[1])' is not an event number; write \(example)")
        }
        return EventID(kind: kind, number: number)
    }
}

/// `--base-url`: where the public reaches the site, for the URLs the
/// commands print and the calendars they write.
struct SiteOptions: ParsableArguments {
    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "The site's public address, for printed URLs and calendar files. [env: WENZHENG_BASE_URL, default: \(PublicSite.defaultBase)]",
            valueName: "url"))
    var baseURL: String?

    func site() throws -> PublicSite {
        let text = baseURL ?? ProcessInfo.processInfo.environment["WENZHENG_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        return try PublicSite(text ?? PublicSite.defaultBase)
    }
}

/// The public address of the site, `http://127.0.0.1:8080/` unless told.
struct PublicSite {
    static let defaultBase = "http://127.0.0.1:8080/"

    /// Ends with `/`.
    let base: String
    /// For calendar UIDs: `interview-12@wenzheng.example.gov.cn`.
    let host: String

    /// The same rule as the server's `--base-url` (`LetterNoticeLinks`),
    /// so a value `serve` takes is taken here too, and the reverse.
    init(_ text: String) throws {
        guard let links = LetterNoticeLinks(base: text), let host = URLComponents(string: links.base)?.host else {
            throw ValidationFailure([
                .invalid("base-url", "--base-url must be an http or https address like https://wenzheng.example.gov.cn/, not '\(text)'")
            ])
        }
        base = links.base
        self.host = host
    }

    func url(_ event: EventID) -> String {
        base + (event.kind == .interview ? "interviews/\(event.number)" : "events/\(event.number)")
    }
}

/// The exit statuses of `schedule`, `events`, `plan` and `export calendar`
/// (README, "Events and the annual plan").
enum EventExit {
    /// `plan check`: the targets are not met. Other commands: the rules
    /// refused the change for the event's state (a live interview cannot be
    /// cancelled, a cancelled open day cannot be moved), or it failed.
    static let refused: Int32 = 1
    /// A value is wrong: an unparseable time or duration, a start in the
    /// past, a capacity out of range, a bad guest, an unknown host.
    static let invalidInput: Int32 = 65
    /// No event with that id.
    static let notFound: Int32 = 66
    // 64: the command line itself (an unknown option, a missing value, an
    // id without its kind), from argument-parser.
}

/// Runs a command's body; what the stores or the rules refuse is printed on
/// standard error, one line a problem, and the command exits with
/// `EventExit`'s status for it.
func reportingEventFailures<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as StoreError {
        switch error {
        case .notFound(let kind, let key):
            let id = Int64(key).map { EventID(kind: kind == "interview" ? .interview : .openDay, number: $0).description } ?? key
            throw failure(EventExit.notFound, ["there is no \(kind) \(id); wenzheng events list shows the ids"])
        case .invalid(let validation):
            throw failure(EventExit.invalidInput, validation.errors.map(\.message))
        default:
            throw failure(EventExit.refused, [error.description])
        }
    } catch let error as OpenDayConflict {
        if case .invalid(let validation) = error { throw failure(EventExit.invalidInput, validation.errors.map(\.message)) }
        throw failure(EventExit.refused, [error.description])
    } catch let error as ValidationFailure {
        throw failure(EventExit.invalidInput, error.errors.map(\.message))
    } catch let error as CommandFailure {
        throw failure(EventExit.refused, [error.description])
    }
}

/// Writes each message as an `Error:` line on standard error and gives the
/// exit to throw.
func failure(_ status: Int32, _ messages: [String]) -> ExitCode {
    let text = messages.map { "Error: \($0)\n" }.joined()
    FileHandle.standardError.write(Data(text.utf8))
    return ExitCode(status)
}

/// Reads what people type for times and lengths, collecting every problem
/// so one run reports them all.
struct InputErrors {
    var errors: [FieldError] = []

    /// `2027-03-16T09:30` (Beijing time), or nil after noting why not.
    mutating func time(_ text: String, option: String) -> Date? {
        do {
            return try OfficeTimeText.parse(text)
        } catch {
            errors.append(FieldError(field: option, code: "invalid_time", message: "--\(option): \(error.description)"))
            return nil
        }
    }

    /// A start after `now`, or nil after noting why not.
    mutating func futureStart(_ text: String, option: String = "start", now: Date) -> Date? {
        guard let start = time(text, option: option) else { return nil }
        do {
            try OfficeTimeText.checkFuture(start, field: "--\(option)", now: now)
        } catch {
            errors.append(error)
            return nil
        }
        return start
    }

    /// `90m`, `2h30m` as whole minutes, or nil after noting why not.
    mutating func minutes(_ text: String, option: String = "duration") -> Int? {
        do {
            return try OpenDayRules.minutes(fromDurationText: text, field: "--\(option)")
        } catch {
            errors.append(error)
            return nil
        }
    }

    func check() throws {
        try ValidationFailure.check(errors)
    }
}

/// `2027-03-16 09:30–11:00` in Beijing time, with the end's date when it
/// falls on another day.
func officeSpan(_ start: Date, minutes: Int) -> String {
    let from = OfficeDateTime(start)
    let to = OfficeDateTime(start.addingTimeInterval(TimeInterval(minutes * 60)))
    let end = to.date == from.date ? to.hourMinute : "\(to.date) \(to.hourMinute)"
    return "\(from.date) \(from.hourMinute)–\(end)"
}
