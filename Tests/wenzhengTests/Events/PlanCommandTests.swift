import Foundation
import GRDB
import Testing
import WenzhengCore
import WenzhengStore

/// `wenzheng plan check` and `wenzheng export calendar`, on next year's
/// events (`EventsFixture`). The calendar's independent parse is
/// Tests/interop/test_calendar_ics.py (Python's icalendar).
@Suite("wenzheng plan check and export calendar")
struct PlanCommandTests {
    static let year = String(EventsFixture.year)

    /// One interview in each quarter and an open day in the second.
    static func fullYear(_ fixture: EventsFixture) throws -> [String] {
        let interviews = try [(2, 16), (5, 18), (8, 17), (11, 16)].map { try fixture.interview(on: EventsFixture.weekday($0.0, $0.1)) }
        _ = try fixture.openDay(on: EventsFixture.weekday(6, 9))
        return interviews
    }

    func check(_ fixture: EventsFixture, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CLI.Result {
        try fixture.run(["plan", "check", "--year", Self.year] + extra, environment: environment)
    }

    @Test("exactly four interviews and an open day: exit 0, every quarter counted")
    func exactlyFour() throws {
        let fixture = try EventsFixture()
        _ = try Self.fullYear(fixture)
        let result = try check(fixture)
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "plan \(Self.year): targets met")
        #expect(lines[1] == "  interviews: 4 planned, at least 4 required")
        #expect(lines[2] == "  open days:  1 planned, at least 1 required")
        for (quarter, openDays) in [(1, 0), (2, 1), (3, 0), (4, 0)] {
            #expect(lines.contains { $0.hasPrefix("Q\(quarter) ") && $0.hasSuffix("  1           \(openDays)") }, "Q\(quarter)")
        }
        #expect(
            lines.contains { $0.hasPrefix("interview:1 ") && $0.contains(EventsFixture.weekday(2, 16)) && $0.contains("not announced") })
        #expect(lines.contains { $0.hasPrefix("open-day:1 ") && $0.contains(" days") })
        #expect(!result.output.contains("failures:") && !result.output.contains("has no interview"))
        #expect(result.error.isEmpty)
    }

    @Test("three interviews: exit 1 with the failure, and the quarter left empty is warned about; JSON carries both")
    func three() throws {
        let fixture = try EventsFixture()
        let interviews = try Self.fullYear(fixture)
        #expect(try fixture.run(["events", "cancel", interviews[1], "--reason", "计划调整"]).status == 0)
        let result = try check(fixture)
        #expect(result.status == 1)
        #expect(result.output.hasPrefix("plan \(Self.year): TARGETS NOT MET\n  interviews: 3 planned, at least 4 required\n"))
        #expect(result.output.contains("failures:\n  - \(Self.year) has 3 interview(s) planned; at least 4 are required\n"))
        #expect(result.output.contains("  - Q2 (\(Self.year)-04-01 to \(Self.year)-06-30) has no interview"))
        #expect(result.output.contains("cancelled, not counted"))

        let json = try check(fixture, ["--format", "json"])
        #expect(json.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(report["passes"] as? Bool == false && report["interviews"] as? Int == 3 && report["openDays"] as? Int == 1)
        let failures = try #require(report["failures"] as? [[String: Any]])
        #expect(failures.map { $0["kind"] as? String } == ["too_few_interviews"])
        let warnings = try #require(report["warnings"] as? [[String: Any]])
        #expect(warnings.contains { $0["kind"] as? String == "quarter_without_interview" && $0["quarter"] as? Int == 2 })
        let quarters = try #require(report["quarters"] as? [[String: Any]])
        #expect(quarters.map { $0["interviews"] as? Int } == [1, 0, 1, 1])

        // The targets are configurable: the variable, then the option over it.
        #expect(try check(fixture, environment: ["WENZHENG_PLAN_MIN_INTERVIEWS": "3"]).status == 0)
        let option = try check(fixture, ["--min-interviews", "5"], environment: ["WENZHENG_PLAN_MIN_INTERVIEWS": "3"])
        #expect(option.status == 1 && option.output.contains("at least 5 required"))
        let openDays = try check(fixture, ["--min-interviews", "0", "--min-open-days", "2"])
        #expect(openDays.status == 1 && openDays.output.contains("has 1 open day(s) planned; at least 2 are required"))
        let bad = try check(fixture, environment: ["WENZHENG_PLAN_MIN_OPEN_DAYS": "lots"])
        #expect(bad.status == 65 && bad.error.contains("WENZHENG_PLAN_MIN_OPEN_DAYS must be a whole number from 0 to 366"))
        let tooMany = try check(fixture, ["--min-notice-days", "400"])
        #expect(tooMany.status == 65 && tooMany.error.contains("--min-notice-days must be a whole number from 0 to 366"))
    }

    @Test("an event on a statutory holiday is warned about once the year's notice is imported; the plan still passes")
    func holiday() throws {
        let fixture = try EventsFixture()
        _ = try Self.fullYear(fixture)
        let holiday = EventsFixture.weekday(9, 15)
        let notice = fixture.temp.path("notice.json")
        try Data(
            """
            {"year": \(Self.year), "papers": ["https://example.invalid/notice.htm"],
             "days": [{"name": "中秋节", "date": "\(holiday)", "isOffDay": true}]}
            """.utf8
        ).write(to: URL(fileURLWithPath: notice))
        #expect(try fixture.run(["calendar", "import", notice]).status == 0)
        let open = try fixture.openDay(on: holiday, title: "中秋开放日")

        let result = try check(fixture)
        #expect(result.status == 0, "\(result.error)")
        #expect(!result.output.contains("no holiday notice for"))
        let date = CivilDate(holiday)!
        #expect(
            result.output.contains(
                "  - open day 2 '中秋开放日' on \(holiday) (\(date.weekdayAbbreviation)) falls on a non-working day: statutory holiday 中秋节"))
        #expect(result.output.split(separator: "\n").contains { $0.hasPrefix("\(open) ") && $0.hasSuffix("holiday 中秋节") })

        let json = try check(fixture, ["--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let warnings = try #require(report["warnings"] as? [[String: Any]])
        #expect(warnings.map { $0["kind"] as? String } == ["non_working_day"])
        #expect(warnings[0]["eventKind"] as? String == "open_day" && warnings[0]["eventID"] as? Int == 2)
        #expect(report["holidayDataLoaded"] as? Bool == true && report["passes"] as? Bool == true)
    }

    @Test(
        "export calendar: the same bytes on every run, DTSTAMP from the data or --stamp, cancelled events marked, --public leaves unannounced interviews out"
    )
    func exportCalendar() throws {
        let fixture = try EventsFixture()
        let interviews = try Self.fullYear(fixture)
        #expect(try fixture.run(["events", "cancel", interviews[3], "--reason", "改期"]).status == 0)
        let file = fixture.temp.path("plan.ics")
        let written = try fixture.run(["export", "calendar", "--year", Self.year, "-o", file, "--base-url", "https://wz.example.gov.cn/"])
        #expect(written.status == 0, "\(written.error)")
        #expect(written.output.isEmpty && written.error == "5 events of \(Self.year) written to \(file)\n")
        let first = try Data(contentsOf: URL(fileURLWithPath: file))
        let again = try fixture.run(["export", "calendar", "--year", Self.year, "--base-url", "https://wz.example.gov.cn/"])
        #expect(Data(again.output.utf8) == first)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(text.components(separatedBy: "BEGIN:VEVENT\r\n").count == 6)
        #expect(text.contains("UID:interview-4@wz.example.gov.cn\r\n") && text.contains("UID:open-day-1@wz.example.gov.cn\r\n"))
        #expect(text.components(separatedBy: "STATUS:CANCELLED\r\n").count == 2)
        #expect(text.contains("URL:https://wz.example.gov.cn/events/1\r\n"))
        // DTSTAMP is the latest change: the cancellation.
        let changed = try fixture.database.reader.read { db in
            try Date.fetchOne(
                db, sql: "SELECT MAX(updated_at) FROM (SELECT updated_at FROM interview UNION ALL SELECT updated_at FROM open_day)")
        }
        let stamps = Set(text.split(separator: "\r\n").filter { $0.hasPrefix("DTSTAMP:") })
        #expect(stamps == ["DTSTAMP:\(ICalendarWriter.utc(try #require(changed)))"])
        // The list's ics is the same calendar.
        let listed = try fixture.run(["events", "list", "--year", Self.year, "--format", "ics", "--base-url", "https://wz.example.gov.cn/"])
        #expect(
            listed.output.replacingOccurrences(of: "问政 \(Self.year) 年访谈与开放日", with: "")
                == text.replacingOccurrences(of: "问政 \(Self.year) 年访谈与开放日", with: ""))

        let stamped = try fixture.run(["export", "calendar", "--year", Self.year, "--stamp", "\(Self.year)-01-01T08:00"])
        #expect(Set(stamped.output.split(separator: "\r\n").filter { $0.hasPrefix("DTSTAMP:") }) == ["DTSTAMP:\(Self.year)0101T000000Z"])
        let publicOnly = try fixture.run(["export", "calendar", "--year", Self.year, "--public"])
        #expect(publicOnly.output.components(separatedBy: "BEGIN:VEVENT").count == 2 && publicOnly.output.contains("UID:open-day-1@"))

        let badStamp = try fixture.run(["export", "calendar", "--stamp", "now"])
        #expect(badStamp.status == 65 && badStamp.error.contains("'now' is not a time"))
        let nowhere = try fixture.run(["export", "calendar", "-o", fixture.temp.path("missing/plan.ics")])
        #expect(nowhere.status == 1 && nowhere.error.contains("does not exist"))
    }
}
