import Foundation
import Testing
import WenzhengCore
import WenzhengTestFixtures

private func date(_ text: String) -> CivilDate {
    guard let date = CivilDate(text) else { fatalError("bad test date \(text)") }
    return date
}

/// Every date from `first` through `last`.
private func dates(_ first: String, _ last: String) -> [CivilDate] {
    (date(first).daysSinceEpoch...date(last).daysSinceEpoch).map(CivilDate.init(daysSinceEpoch:))
}

@Suite("Working-day calendar")
struct CalendarTests {
    let calendar = HolidayCalendar.shipped

    // MARK: Golden cases

    @Test("received Fri 2026-02-13, 1 working day: Sat 2026-02-14, a make-up day for 春节")
    func makeUpSaturdayIsTheFirstWorkingDay() {
        let deadline = calendar.deadline(from: date("2026-02-13"), workingDays: 1)
        #expect(deadline.date == date("2026-02-14"))
        #expect(deadline.date.weekdayAbbreviation == "Sat")
        #expect(!deadline.isProvisional)
    }

    @Test(
        "golden deadlines across 春节, 中秋节, 国庆节 and 元旦",
        arguments: [
            ("2026-02-13", 20, "2026-03-19"),
            ("2026-09-18", 20, "2026-10-22"),
            ("2026-09-18", 40, "2026-11-19"),
            ("2025-12-31", 1, "2026-01-04"),
            // 2025: 国庆节、中秋节 eight days off, 10-11 (Sat) worked.
            ("2025-09-30", 1, "2025-10-09"),
            ("2025-09-30", 3, "2025-10-11"),
            // 2025 春节: 01-26 (Sun) worked before, 02-08 (Sat) after.
            ("2025-01-24", 1, "2025-01-26"),
            ("2025-01-27", 1, "2025-02-05"),
        ])
    func goldenDeadlines(received: String, workingDays: Int, expected: String) {
        let deadline = calendar.deadline(from: date(received), workingDays: workingDays)
        #expect(deadline.date == date(expected))
        #expect(!deadline.isProvisional)
        // The protocol's counting agrees with the explained one.
        #expect(calendar.adding(workingDays: workingDays, to: date(received)) == date(expected))
    }

    @Test("a year without a notice counts weekdays only and marks the deadline provisional")
    func yearWithoutDataIsProvisional() {
        #expect(!calendar.hasData(forYear: 2027))
        // 2027-02-05 is a Friday; 春节 2027 is not loaded, so Monday counts.
        let inside = calendar.deadline(from: date("2027-02-05"), workingDays: 1)
        #expect(inside.date == date("2027-02-08"))
        #expect(inside.isProvisional)
        #expect(inside.yearsWithoutData == [2027])
        #expect(inside.date == WeekdayCalendar().adding(workingDays: 1, to: date("2027-02-05")))

        // Crossing into 2027 is provisional too, though 2026's days are
        // known; 1 January is a day off all the same.
        let crossing = calendar.deadline(from: date("2026-12-30"), workingDays: 3)
        #expect(crossing.date == date("2027-01-05"))
        #expect(crossing.isProvisional)

        // Receiving on the last day of 2026 and counting 0 days touches no day.
        #expect(!calendar.deadline(from: date("2026-12-31"), workingDays: 0).isProvisional)
        // A deadline that ends before the last week of December is final.
        #expect(!calendar.deadline(from: date("2026-12-23"), workingDays: 1).isProvisional)
    }

    @Test("a day in the last week of December waits for the next year's notice, which arranges 元旦")
    func lateDecemberIsProvisional() throws {
        // 2026's own notice is loaded, but 2027's may still move 12-25…12-31
        // (the 2019 notice made Saturday 2018-12-29 a working day).
        #expect(calendar.missingYears(for: date("2026-12-24")) == [])
        #expect(calendar.missingYears(for: date("2026-12-25")) == [2027])
        #expect(calendar.missingYears(for: date("2027-03-01")) == [2027])
        let december = calendar.deadline(from: date("2026-12-28"), workingDays: 2)
        #expect(december.date == date("2026-12-30"))
        #expect(december.isProvisional)
        #expect(december.yearsWithoutData == [2027])
        // The 2019 notice as it moved 2018's last days.
        let notice2018 = try HolidayNotice(year: 2018, days: [.init(date: date("2018-10-01"), name: "国庆节", isOffDay: true)])
        let notice2019 = try HolidayNotice(
            year: 2019,
            days: [
                .init(date: date("2018-12-29"), name: "元旦", isOffDay: false),
                .init(date: date("2018-12-30"), name: "元旦", isOffDay: true),
                .init(date: date("2018-12-31"), name: "元旦", isOffDay: true),
                .init(date: date("2019-01-01"), name: "元旦", isOffDay: true),
            ])
        let before = HolidayCalendar(notices: [notice2018]).deadline(from: date("2018-12-27"), workingDays: 2)
        #expect(before.date == date("2018-12-31") && before.isProvisional)
        let after = HolidayCalendar(notices: [notice2018, notice2019]).deadline(from: date("2018-12-27"), workingDays: 2)
        #expect(after.date == date("2018-12-29") && !after.isProvisional)
    }

    @Test("1 January, 1–2 May and 1–3 October are days off even without a notice")
    func fixedHolidaysWithoutANotice() {
        #expect(!calendar.hasData(forYear: 2028))
        // 2027-01-01 and 2028-01-01 are a Friday and a Saturday.
        #expect(!calendar.isWorkingDay(date("2027-01-01")))
        #expect(calendar.reason(for: date("2027-01-01")) == .statutoryHoliday("元旦"))
        #expect(calendar.isWorkingDay(date("2027-05-03")))
        for text in ["2027-05-01", "2027-05-02", "2027-10-01", "2028-10-02", "2028-10-03"] {
            #expect(!calendar.isWorkingDay(date(text)), "\(text)")
        }
        #expect(calendar.isWorkingDay(date("2027-01-04")))
        #expect(calendar.deadline(from: date("2026-12-31"), workingDays: 1).date == date("2027-01-04"))
    }

    @Test func weekdayCalendarKeepsWorking() {
        #expect(WeekdayCalendar().adding(workingDays: 1, to: date("2026-02-13")) == date("2026-02-16"))
        #expect(WeekdayCalendar().adding(workingDays: 0, to: date("2026-02-13")) == date("2026-02-13"))
    }

    // MARK: Properties

    @Test("deadlines are working days, and adding N then M equals adding N+M")
    func deadlineProperties() {
        var random = FixtureRandom(seed: 20_260_213)
        let first = date("2025-01-01").daysSinceEpoch
        let last = date("2027-12-31").daysSinceEpoch
        for _ in 0..<2_000 {
            let received = CivilDate(daysSinceEpoch: Int.random(in: first...last, using: &random))
            let n = Int.random(in: 0...60, using: &random)
            let m = Int.random(in: 0...60, using: &random)
            let afterN = calendar.adding(workingDays: n, to: received)
            if n >= 1 {
                #expect(calendar.isWorkingDay(afterN), "\(received) + \(n) = \(afterN)")
            }
            #expect(
                calendar.adding(workingDays: m, to: afterN) == calendar.adding(workingDays: n + m, to: received),
                "\(received) + \(n) + \(m)")
            #expect(calendar.deadline(from: received, workingDays: n).date == afterN)
        }
    }

    @Test func civilDatesRoundTripThroughDayNumbers() {
        var day = date("1999-12-25")
        for _ in 0..<3_000 {
            #expect(CivilDate(daysSinceEpoch: day.daysSinceEpoch) == day)
            day = day.nextDay
        }
        #expect(CivilDate(daysSinceEpoch: 0) == date("1970-01-01"))
        #expect(date("2026-02-13").weekdayAbbreviation == "Fri")
        #expect(date("2026-02-15").chineseWeekday == "周日")
    }

    // MARK: Explanations

    @Test("explain lists each day from the day after receipt, counted or skipped, and why")
    func explainAcrossTheNationalDayWeek() {
        let explanation = calendar.explain(from: date("2026-09-18"), workingDays: 20)
        #expect(explanation.deadline.date == date("2026-10-22"))
        #expect(explanation.days.first?.date == date("2026-09-19"))
        #expect(explanation.days.last?.date == date("2026-10-22"))
        #expect(explanation.days.last?.workingDayNumber == 20)
        #expect(explanation.days.count == date("2026-10-22").daysSinceEpoch - date("2026-09-18").daysSinceEpoch)
        #expect(explanation.days.filter(\.counts).count == 20)

        func reason(_ text: String) -> String? {
            explanation.days.first { $0.date == date(text) }?.reason.description
        }
        #expect(reason("2026-09-19") == "weekend")
        #expect(reason("2026-09-20") == "make-up working day (调休) for 国庆节")
        #expect(reason("2026-09-21") == "weekday")
        #expect(reason("2026-09-25") == "statutory holiday 中秋节")
        #expect(reason("2026-10-01") == "statutory holiday 国庆节")
        #expect(reason("2026-10-10") == "make-up working day (调休) for 国庆节")
        #expect(reason("2026-10-11") == "weekend")
        #expect(explanation.days.first { $0.date == date("2026-09-20") }?.workingDayNumber == 1)
    }

    @Test func explainNamesTheMissingYear() {
        let explanation = calendar.explain(from: date("2026-12-31"), workingDays: 2)
        #expect(explanation.deadline.isProvisional)
        #expect(
            explanation.days.map(\.reason.description) == [
                "statutory holiday 元旦",
                "weekend (no holiday data for 2027: weekdays only)",
                "weekend (no holiday data for 2027: weekdays only)",
                "no holiday data for 2027: weekdays only",
                "no holiday data for 2027: weekdays only",
            ])
        #expect(explanation.days.map(\.reason.code).last == "weekday_without_holiday_data")
        #expect(explanation.deadline.yearsWithoutData == [2027])
    }

    // MARK: The shipped notices

    @Test("the shipped notices say exactly what the State Council's notices say")
    func shippedNoticesMatchTheNotices() {
        typealias Holiday = (name: String, off: (String, String), makeUp: [String])
        let expected: [Int: [Holiday]] = [
            2025: [
                ("元旦", ("2025-01-01", "2025-01-01"), []),
                ("春节", ("2025-01-28", "2025-02-04"), ["2025-01-26", "2025-02-08"]),
                ("清明节", ("2025-04-04", "2025-04-06"), []),
                ("劳动节", ("2025-05-01", "2025-05-05"), ["2025-04-27"]),
                ("端午节", ("2025-05-31", "2025-06-02"), []),
                ("国庆节、中秋节", ("2025-10-01", "2025-10-08"), ["2025-09-28", "2025-10-11"]),
            ],
            2026: [
                ("元旦", ("2026-01-01", "2026-01-03"), ["2026-01-04"]),
                ("春节", ("2026-02-15", "2026-02-23"), ["2026-02-14", "2026-02-28"]),
                ("清明节", ("2026-04-04", "2026-04-06"), []),
                ("劳动节", ("2026-05-01", "2026-05-05"), ["2026-05-09"]),
                ("端午节", ("2026-06-19", "2026-06-21"), []),
                ("中秋节", ("2026-09-25", "2026-09-27"), []),
                ("国庆节", ("2026-10-01", "2026-10-07"), ["2026-09-20", "2026-10-10"]),
            ],
        ]
        #expect(ShippedHolidayNotices.all.map(\.year) == [2025, 2026])
        for notice in ShippedHolidayNotices.all {
            let holidays = expected[notice.year] ?? []
            var days: Set<HolidayNotice.Day> = []
            for holiday in holidays {
                for day in dates(holiday.off.0, holiday.off.1) {
                    days.insert(.init(date: day, name: holiday.name, isOffDay: true))
                }
                for day in holiday.makeUp { days.insert(.init(date: date(day), name: holiday.name, isOffDay: false)) }
            }
            #expect(Set(notice.days) == days, "\(notice.year)")
            #expect(notice.days.count == days.count)
            // Make-up working days are weekend days, or they would change nothing.
            #expect(notice.makeUpWorkingDays.allSatisfy { $0.date.isWeekend })
            #expect(notice.papers.count == 1)
            #expect(notice.papers.allSatisfy { $0.hasPrefix("https://www.gov.cn/") })
        }
        #expect(ShippedHolidayNotices.all.map { $0.offDays.count } == [28, 33])
        #expect(ShippedHolidayNotices.all.map { $0.makeUpWorkingDays.count } == [5, 6])
    }

    // MARK: Parsing

    @Test func parsesHolidayCnFilesIgnoringTheirExtraKeys() throws {
        let json = """
            {"$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
             "$id": "https://example.invalid/2023.json",
             "year": 2023, "papers": ["https://www.gov.cn/a.htm"],
             "days": [{"name": "元旦", "date": "2022-12-31", "isOffDay": true},
                      {"name": "春节", "date": "2023-01-28", "isOffDay": false},
                      {"name": "元旦", "date": "2023-01-02", "isOffDay": true},
                      {"name": "元旦", "date": "2023-01-02", "isOffDay": true}]}
            """
        let notice = try HolidayNotice.parse(Data(json.utf8))
        #expect(notice.year == 2023)
        #expect(notice.papers == ["https://www.gov.cn/a.htm"])
        // Sorted by date, the identical repeat merged.
        #expect(notice.days.map(\.date.description) == ["2022-12-31", "2023-01-02", "2023-01-28"])
        #expect(notice.days.map(\.isOffDay) == [true, true, false])
        // Written back, it reads the same.
        #expect(try HolidayNotice.parse(notice.jsonData()) == notice)

        // The neighbouring year's date is a day of the calendar, but 2022 is
        // still a year without data.
        let calendar = HolidayCalendar(notices: [notice])
        #expect(!calendar.isWorkingDay(date("2022-12-31")))
        #expect(calendar.hasData(forYear: 2023))
        #expect(!calendar.hasData(forYear: 2022))
        // A missing `papers` is allowed.
        let bare = try HolidayNotice.parse(Data(#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#.utf8))
        #expect(bare.papers.isEmpty)
    }

    @Test(
        "bad files are refused with a one-line reason",
        arguments: [
            ("{\"year\": 2026, \"days\": [", "not valid JSON"),
            ("", "not valid JSON"),
            ("[1, 2]", "expected a JSON object with year, papers and days"),
            (#"{"days": []}"#, "missing field 'year'"),
            (#"{"year": 2026}"#, "missing field 'days'"),
            (#"{"year": "2026", "days": []}"#, "'year' must be a whole number"),
            (#"{"year": 2026, "days": [{"name": "春节", "date": "2026-02-15"}]}"#, "missing field 'days[0].isOffDay'"),
            (
                #"{"year": 2026, "days": [{"name": "春节", "date": "2026-02-15", "isOffDay": "yes"}]}"#,
                "'days[0].isOffDay' must be true or false"
            ),
            (
                #"{"year": 2026, "days": [{"name": "春节", "date": "2026-02-30", "isOffDay": true}]}"#,
                "'days[0].date' is '2026-02-30', not a date like 2026-02-15"
            ),
            (
                #"{"year": 2026, "days": [{"name": "春节", "date": "2026/02/15", "isOffDay": true}]}"#,
                "'days[0].date' is '2026/02/15', not a date like 2026-02-15"
            ),
            (#"{"year": 1999, "days": [{"name": "元旦", "date": "1999-01-01", "isOffDay": true}]}"#, "year 1999 is outside 2000…2100"),
            (#"{"year": 2101, "days": [{"name": "元旦", "date": "2101-01-01", "isOffDay": true}]}"#, "year 2101 is outside 2000…2100"),
            (#"{"year": 2027, "papers": [], "days": []}"#, "the notice for 2027 lists no days"),
            (
                #"{"year": 2026, "days": [{"name": "元旦", "date": "2030-01-01", "isOffDay": true}]}"#,
                "2030-01-01 is not in 2026 or a neighbouring year"
            ),
            (#"{"year": 2026, "days": [{"name": " ", "date": "2026-01-01", "isOffDay": true}]}"#, "2026-01-01 has no holiday name"),
            (
                #"{"year": 2026, "days": [{"name": "元旦", "date": "2026-01-04", "isOffDay": true}, {"name": "元旦", "date": "2026-01-04", "isOffDay": false}]}"#,
                "2026-01-04 is listed twice with different values"
            ),
        ])
    func badFilesAreRefused(json: String, message: String) {
        let error = #expect(throws: HolidayNoticeError.self) { try HolidayNotice.parse(Data(json.utf8)) }
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
        #expect(error?.description.contains("\n") == false)
    }

    @Test func laterNoticesDoNotOverrideAYearsOwnNotice() throws {
        // A 2027 notice that (wrongly) speaks about a 2026 date does not
        // override 2026's own notice, in whichever order they are loaded;
        // its 2026 dates that 2026's notice does not mention still apply.
        let notice2027 = try HolidayNotice(
            year: 2027,
            days: [
                .init(date: date("2026-10-01"), name: "错误", isOffDay: false),
                .init(date: date("2026-12-31"), name: "元旦", isOffDay: true),
                .init(date: date("2027-01-01"), name: "元旦", isOffDay: true),
            ])
        for notices in [ShippedHolidayNotices.all + [notice2027], [notice2027] + ShippedHolidayNotices.all] {
            let calendar = HolidayCalendar(notices: notices)
            #expect(calendar.noticeDay(on: date("2026-10-01"))?.name == "国庆节")
            #expect(!calendar.isWorkingDay(date("2026-10-01")))
            #expect(!calendar.isWorkingDay(date("2026-12-31")))
            #expect(calendar.hasData(forYear: 2027))
            #expect(!calendar.deadline(from: date("2026-12-30"), workingDays: 3).isProvisional)
        }
    }
}
