import Foundation
import Testing
import WenzhengCore

/// The physical lines of an iCalendar text, split at CRLF.
private func physicalLines(_ text: String) -> [String] {
    var lines = text.components(separatedBy: "\r\n")
    #expect(lines.last == "")
    lines.removeLast()
    return lines
}

/// Content lines as a reader unfolds them (RFC 5545 §3.1): a CRLF followed
/// by one space or tab is removed.
private func unfold(_ text: String) -> [String] {
    text.replacingOccurrences(of: "\r\n ", with: "").replacingOccurrences(of: "\r\n\t", with: "")
        .components(separatedBy: "\r\n").dropLast().map { $0 }
}

/// Reverses TEXT escaping, as a reader does.
private func unescape(_ value: String) -> String {
    var result = ""
    var iterator = value.makeIterator()
    while let character = iterator.next() {
        guard character == "\\", let next = iterator.next() else {
            result.append(character)
            continue
        }
        result.append(next == "n" || next == "N" ? "\n" : next)
    }
    return result
}

@Suite("iCalendar (RFC 5545) writer")
struct ICalendarTests {
    let stamp = officeTime("2027-01-01T08:00")

    func smallCalendar() -> ICalendarDocument {
        let interview = ICalendarEvent(
            interviewID: 12, host: "wenzheng.example", title: "法律援助, 与你同行", summary: "简介", start: officeTime("2027-03-16T09:30"),
            durationMinutes: 90, guests: [GuestCredit(name: "张明", title: "副厅长")], url: "https://w.example/i/12", revision: 0)
        let openDay = OpenDay(
            title: "开放日", programme: "参观", location: "南京市北京西路28号", start: officeTime("2027-05-20T09:30"), durationMinutes: 150,
            capacity: 50, registrationOpens: officeTime("2027-04-01T09:00"), registrationCloses: officeTime("2027-05-19T09:30"),
            state: .cancelled, revision: 2, cancellationReason: "场馆维修")
        let event = ICalendarEvent(openDay: openDay, id: 3, host: "wenzheng.example", url: "https://w.example/o/3")
        // Given out of order: the writer sorts by start.
        return ICalendarDocument(name: "2027年计划", events: [event, interview])
    }

    @Test("a small calendar, byte for byte")
    func exactOutput() {
        let expected = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Wenzheng//Wenzheng Public Events//ZH",
            "CALSCALE:GREGORIAN",
            "NAME:2027年计划",
            "X-WR-CALNAME:2027年计划",
            "BEGIN:VEVENT",
            "UID:interview-12@wenzheng.example",
            "DTSTAMP:20270101T000000Z",
            "DTSTART:20270316T013000Z",
            "DTEND:20270316T030000Z",
            "SEQUENCE:0",
            "STATUS:CONFIRMED",
            #"SUMMARY:法律援助\, 与你同行"#,
            #"DESCRIPTION:简介\n嘉宾：张明，副厅长"#,
            "LOCATION:https://w.example/i/12",
            "URL:https://w.example/i/12",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:open-day-3@wenzheng.example",
            "DTSTAMP:20270101T000000Z",
            "DTSTART:20270520T013000Z",
            "DTEND:20270520T040000Z",
            "SEQUENCE:2",
            "STATUS:CANCELLED",
            "SUMMARY:开放日",
            #"DESCRIPTION:本次活动已取消：场馆维修\n\n参观"#,
            "LOCATION:南京市北京西路28号",
            "URL:https://w.example/o/3",
            "END:VEVENT",
            "END:VCALENDAR",
        ].map { $0 + "\r\n" }.joined()
        #expect(ICalendarWriter.write(smallCalendar(), stamp: stamp) == expected)
    }

    @Test("deterministic: the same events in any order give the same bytes")
    func deterministic() {
        var reversed = smallCalendar()
        reversed.events.reverse()
        #expect(ICalendarWriter.write(reversed, stamp: stamp) == ICalendarWriter.write(smallCalendar(), stamp: stamp))
    }

    @Test(
        "TEXT escaping of hostile text",
        arguments: [
            (#"a\b;c,d"#, #"a\\b\;c\,d"#),
            ("line1\nline2\r\nline3\rline4", #"line1\nline2\nline3\nline4"#),
            ("\u{2028}x\u{2029}y\u{85}z", #"\nx\ny\nz"#),
            ("tab\tkept, bell\u{7} esc\u{1B}[2J del\u{7F} c1\u{9B} gone", "tab\tkept\\, bell esc[2J del c1 gone"),
            (#"\n is not a newline; \, neither"#, #"\\n is not a newline\; \\\, neither"#),
            ("\"quotes\" and :colons: stay", "\"quotes\" and :colons: stay"),
            ("e\u{301}\u{200D}\u{FE0F}", "e\u{301}\u{200D}\u{FE0F}"),
        ])
    func escaping(_ input: String, _ expected: String) {
        #expect(ICalendarWriter.escapeText(input) == expected)
        #expect(!expected.contains { $0.isNewline })
    }

    @Test("a summary that tries to inject properties and events stays one property")
    func injection() {
        let hostile = "会议\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\nSUMMARY:owned;X=1,2\\"
        let calendar = ICalendarDocument(
            name: "x\r\nMETHOD:CANCEL",
            events: [
                ICalendarEvent(
                    uid: ICalendarEvent.uid(kind: .interview, id: 1, host: "evil\r\nhost;x"), sequence: 0, start: stamp, end: stamp,
                    summary: hostile, description: hostile, location: hostile, url: "https://x.example/\r\nX-EVIL:1")
            ])
        let text = ICalendarWriter.write(calendar, stamp: stamp)
        let lines = unfold(text)
        #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == 1)
        #expect(lines.filter { $0.hasPrefix("UID:") } == ["UID:interview-1@evilhostx"])
        #expect(!lines.contains { $0.hasPrefix("METHOD") || $0.hasPrefix("X-EVIL") })
        #expect(lines.contains("URL:https://x.example/%0D%0AX-EVIL:1"))
        let summary = lines.first { $0.hasPrefix("SUMMARY:") }.map { String($0.dropFirst("SUMMARY:".count)) }
        #expect(summary.map(unescape) == hostile.replacingOccurrences(of: "\r\n", with: "\n"))
        // No CR or LF anywhere but in CRLF line ends.
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains { $0 == "\r" || $0 == "\n" })
    }

    @Test("long Chinese lines fold at 75 octets without splitting a character, and unfold to the original")
    func foldingChinese() throws {
        let summary = String(repeating: "法律援助惠民生", count: 15)  // 105 characters, 315 octets
        let line = "SUMMARY:" + summary
        let folded = ICalendarWriter.fold(line)
        let lines = physicalLines(folded)
        #expect(lines.count > 4)
        for (index, physical) in lines.enumerated() {
            let octets = Array(physical.utf8)
            #expect(octets.count <= 75)
            // Each physical line is whole UTF-8 on its own.
            #expect(String(validating: octets, as: UTF8.self) != nil)
            if index > 0 { #expect(physical.hasPrefix(" ")) }
        }
        // 8 ASCII octets + 22 characters of 3 = 74: the 23rd would make 77.
        #expect(lines[0].utf8.count == 74)
        // A continuation line: the space and 24 characters of 3 = 73.
        #expect(lines[1].utf8.count == 73)
        #expect(unfold(folded) == [line])
    }

    @Test("75 octets stay on one line, 76 are folded; 4-octet emoji and ZWJ sequences fold between scalars")
    func foldingEdges() throws {
        let exactly = "X:" + String(repeating: "a", count: 73)
        #expect(ICalendarWriter.fold(exactly) == exactly + "\r\n")
        let over = exactly + "b"
        #expect(physicalLines(ICalendarWriter.fold(over)) == [exactly, " b"])
        let family = "👨\u{200D}👩\u{200D}👧"
        let emoji = "SUMMARY:" + String(repeating: family, count: 12)
        let folded = ICalendarWriter.fold(emoji)
        for physical in physicalLines(folded) {
            #expect(physical.utf8.count <= 75)
            #expect(String(validating: Array(physical.utf8), as: UTF8.self) != nil)
        }
        #expect(unfold(folded) == [emoji])
        // A two-octet character across the boundary moves whole to the next line.
        let boundary = "X:" + String(repeating: "a", count: 72) + "é"
        #expect(physicalLines(ICalendarWriter.fold(boundary)) == ["X:" + String(repeating: "a", count: 72), " é"])
    }

    @Test("every line of a whole calendar with long texts is at most 75 octets and ends in CRLF")
    func wholeCalendarFolded() {
        var calendar = smallCalendar()
        calendar.events[0].description = String(repeating: "参观法律援助中心，座谈交流；", count: 30)
        calendar.name = String(repeating: "江苏省司法厅", count: 20)
        let text = ICalendarWriter.write(calendar, stamp: stamp)
        #expect(text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(physicalLines(text).allSatisfy { $0.utf8.count <= 75 })
        let description = unfold(text).first { $0.hasPrefix("DESCRIPTION:参观") }
        #expect(description.map { unescape(String($0.dropFirst(12))) } == calendar.events[0].description)
        #expect(unfold(text).contains("X-WR-CALNAME:" + calendar.name))
    }

    @Test("times are written in UTC across the year boundary; an end before the start is written as the start")
    func times() {
        #expect(ICalendarWriter.utc(officeTime("2027-01-01T00:30")) == "20261231T163000Z")
        #expect(ICalendarWriter.utc(officeTime("2028-02-29T23:59:59")) == "20280229T155959Z")
        let backwards = ICalendarEvent(uid: "x@y", sequence: -1, start: stamp, end: stamp.addingTimeInterval(-60), summary: "s")
        let lines = unfold(ICalendarWriter.write(ICalendarDocument(name: "n", events: [backwards]), stamp: stamp))
        #expect(lines.contains("DTEND:20270101T000000Z"))
        #expect(lines.contains("SEQUENCE:0"))
        #expect(!lines.contains { $0.hasPrefix("DESCRIPTION") || $0.hasPrefix("LOCATION") || $0.hasPrefix("URL") })
    }

    @Test("URLs are percent-encoded outside printable ASCII; UIDs name the kind and keep a safe host")
    func urlsAndUIDs() {
        #expect(ICalendarWriter.uri("https://x.example/访谈?q=a b") == "https://x.example/%E8%AE%BF%E8%B0%88?q=a%20b")
        #expect(ICalendarEvent.uid(kind: .openDay, id: 3, host: "wenzheng.gov.cn") == "open-day-3@wenzheng.gov.cn")
        #expect(ICalendarEvent.uid(kind: .interview, id: 12, host: "") == "interview-12@wenzheng.invalid")
        #expect(ICalendarEvent.uid(kind: .interview, id: 12, host: "司法厅.cn") == "interview-12@.cn")
    }
}
