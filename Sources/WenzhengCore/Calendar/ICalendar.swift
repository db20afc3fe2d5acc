import Foundation

/// One event for an iCalendar file.
public struct ICalendarEvent: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case confirmed = "CONFIRMED"
        case cancelled = "CANCELLED"
    }

    /// Stable per event for its whole life (`interview-12@wenzheng.example`),
    /// so a re-imported file updates the event instead of adding a copy.
    public var uid: String
    /// Raised by every reschedule and cancellation (RFC 5545 §3.8.7.4), so
    /// calendar programs take the newer copy.
    public var sequence: Int
    public var start: Date
    public var end: Date
    public var summary: String
    public var description: String?
    public var location: String?
    /// The event's public page.
    public var url: String?
    public var status: Status

    public init(
        uid: String, sequence: Int, start: Date, end: Date, summary: String, description: String? = nil, location: String? = nil,
        url: String? = nil, status: Status = .confirmed
    ) {
        self.uid = uid
        self.sequence = sequence
        self.start = start
        self.end = end
        self.summary = summary
        self.description = description
        self.location = location
        self.url = url
        self.status = status
    }

    /// `interview-12@host`, `open-day-3@host`. Characters of `host` outside
    /// letters, digits, `.`, `-` and `_` are dropped, so a host name taken
    /// from configuration cannot break the line.
    public static func uid(kind: PlannedEventKind, id: Int64, host: String) -> String {
        let prefix = kind == .interview ? "interview" : "open-day"
        let safeHost = String(host.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0)) })
        return "\(prefix)-\(id)@\(safeHost.isEmpty ? "wenzheng.invalid" : safeHost)"
    }
}

/// A calendar: what `wenzheng export calendar` and each event page's
/// `.ics` download write.
public struct ICalendarDocument: Sendable, Equatable {
    /// The name calendar programs give the imported calendar: written as
    /// NAME (RFC 7986) and as X-WR-CALNAME, which Apple's and Google's
    /// calendars read and which parsers that know only RFC 5545 keep raw.
    public var name: String
    public var events: [ICalendarEvent]

    public init(name: String, events: [ICalendarEvent]) {
        self.name = name
        self.events = events
    }
}

/// Writes RFC 5545 iCalendar.
///
/// - **Times in UTC** (`DTSTART:20270316T013000Z`), with no VTIMEZONE.
///   Every program reads UTC the same way and shows it in the reader's
///   zone, which for the office's public is Beijing time. A `TZID=Asia/
///   Shanghai` would oblige us to ship a VTIMEZONE that must agree with
///   each program's own zone data (Outlook maps Olson names to Windows
///   zones, and some importers ignore the VTIMEZONE and guess); Wenzheng's
///   events never recur, so the one thing a zone adds, recurrence across
///   offset changes, is not needed.
/// - **DTSTAMP is the caller's** `stamp`, never the current time, so the
///   same events give the same bytes (exports are diffed and archived).
/// - **TEXT** values (SUMMARY, DESCRIPTION, LOCATION, NAME, X-WR-CALNAME) escape
///   `\` `;` `,` and write every line break as `\n` (§3.3.11); other
///   control characters, which TEXT may not hold, are dropped.
/// - **URL** is a URI (§3.3.13): not TEXT-escaped; anything outside
///   printable ASCII is percent-encoded as UTF-8.
/// - **Lines** end in CRLF and are folded before 75 octets (§3.1), with a
///   space starting each continuation line, never inside a UTF-8 sequence.
/// - Events are written by start, then UID, whatever order they come in.
/// - No METHOD: a file with `METHOD:PUBLISH` is an iTIP message
///   (RFC 5546), which requires an ORGANIZER; a plain calendar file is what
///   an import expects.
public enum ICalendarWriter {
    public static let productID = "-//Wenzheng//Wenzheng Public Events//ZH"
    /// RFC 5545 §3.1: "Lines of text SHOULD NOT be longer than 75 octets,
    /// excluding the line break."
    public static let maxLineOctets = 75

    public static func write(_ calendar: ICalendarDocument, stamp: Date) -> String {
        var lines: [String] = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:\(escapeText(productID))",
            "CALSCALE:GREGORIAN",
            "NAME:\(escapeText(calendar.name))",
            "X-WR-CALNAME:\(escapeText(calendar.name))",
        ]
        let events = calendar.events.sorted { ($0.start, $0.uid) < ($1.start, $1.uid) }
        for event in events {
            lines.append("BEGIN:VEVENT")
            lines.append("UID:\(escapeText(event.uid))")
            lines.append("DTSTAMP:\(utc(stamp))")
            lines.append("DTSTART:\(utc(event.start))")
            lines.append("DTEND:\(utc(max(event.end, event.start)))")
            lines.append("SEQUENCE:\(max(0, event.sequence))")
            lines.append("STATUS:\(event.status.rawValue)")
            lines.append("SUMMARY:\(escapeText(event.summary))")
            if let description = event.description, !description.isEmpty {
                lines.append("DESCRIPTION:\(escapeText(description))")
            }
            if let location = event.location, !location.isEmpty {
                lines.append("LOCATION:\(escapeText(location))")
            }
            if let url = event.url, !url.isEmpty {
                lines.append("URL:\(uri(url))")
            }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined()
    }

    /// `20270316T013000Z`.
    public static func utc(_ instant: Date) -> String {
        let time = OfficeDateTime(instant, in: TimeZone(secondsFromGMT: 0)!)
        let date = time.date
        let year = String(date.year)
        return "\(String(repeating: "0", count: max(0, 4 - year.count)))\(year)"
            + "\(OfficeDateTime.twoDigits(date.month))\(OfficeDateTime.twoDigits(date.day))T"
            + "\(OfficeDateTime.twoDigits(time.hour))\(OfficeDateTime.twoDigits(time.minute))\(OfficeDateTime.twoDigits(time.second))Z"
    }

    /// A TEXT value (§3.3.11): `\` → `\\`, `;` → `\;`, `,` → `\,`; CRLF,
    /// LF, CR, NEL, U+2028 and U+2029 → `\n`; other controls dropped (TAB
    /// is kept: TEXT allows it).
    public static func escapeText(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar {
            case "\\": result.append(contentsOf: #"\\"#.unicodeScalars)
            case ";": result.append(contentsOf: #"\;"#.unicodeScalars)
            case ",": result.append(contentsOf: #"\,"#.unicodeScalars)
            case "\n" where previousWasCR: continue  // CRLF is one break
            case "\r", "\n", "\u{85}", "\u{2028}", "\u{2029}": result.append(contentsOf: #"\n"#.unicodeScalars)
            case "\t": result.append(scalar)
            default:
                if scalar.properties.generalCategory == .control { continue }
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// A URI value: printable ASCII kept, everything else (spaces, line
    /// breaks, Chinese in a path) percent-encoded byte by byte.
    public static func uri(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if (0x21...0x7E).contains(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    /// One content line, folded and ended with CRLF: at most 75 octets per
    /// physical line, a continuation line's leading space included, and a
    /// break only between Unicode scalars, so no UTF-8 sequence is split.
    public static func fold(_ line: String) -> String {
        var result = ""
        var octets = 0
        for scalar in line.unicodeScalars {
            let width = UTF8.width(scalar)
            if octets + width > maxLineOctets {
                result += "\r\n "
                octets = 1
            }
            result.unicodeScalars.append(scalar)
            octets += width
        }
        return result + "\r\n"
    }
}

extension ICalendarEvent {
    /// An open day as a calendar event: the programme as the description,
    /// the cancellation reason in front of it when cancelled.
    public init(openDay: OpenDay, id: Int64, host: String, url: String?) {
        var description = openDay.programme
        if openDay.state == .cancelled {
            description = "本次活动已取消" + (openDay.cancellationReason.map { "：\($0)" } ?? "。") + "\n\n" + description
        }
        self.init(
            uid: Self.uid(kind: .openDay, id: id, host: host), sequence: openDay.revision, start: openDay.start, end: openDay.end,
            summary: openDay.title, description: description, location: openDay.location, url: url,
            status: openDay.state == .cancelled ? .cancelled : .confirmed)
    }

    /// An interview as a calendar event: the summary, then one line per
    /// guest (`嘉宾：张明，副厅长，江苏省司法厅`); the page is also the
    /// LOCATION, because it is where the interview happens and some
    /// calendars (Google's) ignore URL. A cancelled one says so in front,
    /// with its reason when given, as an open day does.
    public init(
        interviewID id: Int64, host: String, title: String, summary: String, start: Date, durationMinutes: Int, guests: [GuestCredit],
        url: String?, revision: Int, cancelled: Bool = false, cancellationReason: String? = nil
    ) {
        var description = summary
        if cancelled {
            description = "本次访谈已取消" + (cancellationReason.map { "：\($0)" } ?? "。") + (summary.isEmpty ? "" : "\n\n" + summary)
        }
        for guest in guests {
            let credit = [guest.name, guest.title, guest.department].filter { !$0.isEmpty }.joined(separator: "，")
            description += (description.isEmpty ? "" : "\n") + "嘉宾：\(credit)"
        }
        self.init(
            uid: Self.uid(kind: .interview, id: id, host: host), sequence: revision, start: start,
            end: start.addingTimeInterval(TimeInterval(durationMinutes * 60)), summary: title, description: description,
            location: url, url: url, status: cancelled ? .cancelled : .confirmed)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
