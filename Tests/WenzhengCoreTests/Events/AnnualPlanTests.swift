import Foundation
import Testing
import WenzhengCore

private func interview(_ id: Int64, _ start: String, announced: String? = nil, cancelled: Bool = false) -> PlannedEvent {
    let startDate = officeTime(start)
    return PlannedEvent(
        kind: .interview, id: id, title: "访谈\(id)", start: startDate,
        announcedAt: announced.map(officeTime) ?? startDate.addingTimeInterval(-7 * 86_400), cancelled: cancelled)
}

private func openDay(_ id: Int64, _ start: String, cancelled: Bool = false) -> PlannedEvent {
    PlannedEvent(kind: .openDay, id: id, title: "开放日\(id)", start: officeTime(start), announcedAt: nil, cancelled: cancelled)
}

/// One interview a quarter on a Tuesday, announced a week ahead, and an
/// open day in June: a plan that meets every target.
private let goodYear: [PlannedEvent] = [
    interview(1, "2026-03-17T09:30"), interview(2, "2026-05-12T09:30"), interview(3, "2026-08-18T09:30"),
    interview(4, "2026-11-17T09:30"), openDay(1, "2026-06-10T09:00"),
]

@Suite("The annual plan check")
struct AnnualPlanTests {
    let calendar = HolidayCalendar.shipped
    let now = officeTime("2026-01-05T09:00")

    func check(_ events: [PlannedEvent], year: Int = 2026, targets: PlanTargets = .default, now: Date? = nil) -> PlanReport {
        AnnualPlan.check(year: year, events: events, targets: targets, calendar: calendar, now: now ?? self.now)
    }

    @Test("exactly 4 interviews and 1 open day, one interview a quarter: passes, nothing to warn about")
    func exactlyFour() {
        let report = check(goodYear)
        #expect(report.passes && report.exitStatus == 0)
        #expect(report.failures.isEmpty && report.warnings.isEmpty)
        #expect(report.interviews == 4 && report.openDays == 1)
        #expect(report.quarters.map(\.interviews) == [1, 1, 1, 1])
        #expect(report.quarters.map(\.openDays) == [0, 1, 0, 0])
        #expect(report.quarters.map(\.firstDay) == ["2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"])
        #expect(report.quarters.map(\.lastDay) == ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"])
        let line = report.quarters[0].events[0]
        #expect(line.start == "2026-03-17T09:30:00+08:00" && line.date == "2026-03-17" && line.weekday == "Tue")
        #expect(line.day == "weekday" && line.workingDay && line.noticeDays == 7 && line.holiday == nil)
    }

    @Test("3 interviews: fails with exit status 1, and the empty quarter is warned about")
    func three() {
        let report = check(goodYear.filter { $0.id != 3 || $0.kind != .interview })
        #expect(!report.passes && report.exitStatus == 1)
        #expect(report.failures.map(\.kind) == [.tooFewInterviews])
        #expect(report.failures[0].message == "2026 has 3 interview(s) planned; at least 4 are required")
        #expect(report.warnings.map(\.kind) == [.quarterWithoutInterview])
        #expect(report.warnings[0].quarter == 3)
        #expect(report.warnings[0].message == "Q3 (2026-07-01 to 2026-09-30) has no interview")
    }

    @Test("4 interviews with an empty quarter pass but warn; no open day fails")
    func emptyQuarterAndNoOpenDay() {
        let events = [
            interview(1, "2026-03-17T09:30"), interview(2, "2026-05-12T09:30"), interview(3, "2026-05-19T09:30"),
            interview(4, "2026-11-17T09:30"),
        ]
        let report = check(events)
        #expect(report.failures.map(\.kind) == [.tooFewOpenDays])
        #expect(report.warnings.map(\.kind) == [.quarterWithoutInterview])
        #expect(report.warnings.map(\.quarter) == [3])
        #expect(check(events + [openDay(1, "2026-06-10T09:00")]).passes)
    }

    @Test("a holiday and a weekend are warned about; a make-up working Sunday is not")
    func holiday() throws {
        let events = goodYear + [interview(5, "2026-10-01T09:30"), openDay(2, "2026-03-14T09:00"), interview(6, "2026-09-20T09:30")]
        let report = check(events)
        #expect(report.passes)
        let warnings = report.warnings.filter { $0.kind == .nonWorkingDay }
        #expect(warnings.map(\.eventID) == [2, 5])
        #expect(warnings.map(\.eventKind) == [.openDay, .interview])
        #expect(warnings[0].message == "open day 2 '开放日2' on 2026-03-14 (Sat) falls on a non-working day: weekend")
        #expect(warnings[1].message == "interview 5 '访谈5' on 2026-10-01 (Thu) falls on a non-working day: statutory holiday 国庆节")
        let line = try #require(report.quarters[3].events.first { $0.id == 5 })
        #expect(line.day == "statutory_holiday" && line.holiday == "国庆节" && !line.workingDay)
        let sunday = try #require(report.quarters[2].events.first { $0.id == 6 })
        #expect(sunday.day == "make_up_working_day" && sunday.workingDay && sunday.weekday == "Sun")
    }

    @Test("announced fewer than 3 days ahead is warned about, counted in office dates; 3 days is enough")
    func shortNotice() {
        let events = [
            interview(1, "2026-03-17T09:30", announced: "2026-03-14T09:00"),  // 3 days
            interview(2, "2026-05-12T09:30", announced: "2026-05-10T09:00"),  // 2 days
            // 16:30 UTC on the 15th is already the 16th in Beijing: 1 day.
            PlannedEvent(
                kind: .interview, id: 3, title: "访谈3", start: officeTime("2026-08-17T09:30"),
                announcedAt: officeTime("2026-08-15T16:30Z")),
            interview(4, "2026-11-17T09:30", announced: "2026-11-17T08:00"),  // same day: 0
            openDay(1, "2026-06-10T09:00"),
        ]
        let report = check(events)
        #expect(report.passes)
        #expect(report.warnings.map(\.kind) == [.shortNotice, .shortNotice, .shortNotice])
        #expect(report.warnings.map(\.eventID) == [2, 3, 4])
        #expect(report.warnings[0].message == "interview 2 '访谈2' on 2026-05-12 (Tue) was announced 2 day(s) ahead, fewer than 3")
        #expect(report.quarters[2].events[0].noticeDays == 1)
    }

    @Test("an interview not yet announced is warned about only once fewer than 3 days remain")
    func notAnnounced() {
        let pending = PlannedEvent(kind: .interview, id: 9, title: "访谈9", start: officeTime("2026-03-17T09:30"), announcedAt: nil)
        let events = goodYear + [pending]
        // On the 14th it can still be announced 3 days ahead.
        #expect(check(events, now: officeTime("2026-03-14T23:59")).warnings.isEmpty)
        let late = check(events, now: officeTime("2026-03-15T00:00"))
        #expect(late.warnings.map(\.kind) == [.notAnnounced])
        #expect(late.warnings[0].message == "interview 9 '访谈9' on 2026-03-17 (Tue) is not announced and fewer than 3 days remain before it")
        #expect(late.quarters[0].events.first { $0.id == 9 }?.noticeDays == nil)
    }

    @Test("cancelled events are listed but neither counted nor warned about")
    func cancelled() {
        let events = goodYear.filter { $0.id != 4 || $0.kind != .interview }
            + [interview(4, "2026-10-01T09:30", announced: "2026-09-30T09:00", cancelled: true)]
        let report = check(events)
        #expect(report.failures.map(\.kind) == [.tooFewInterviews])
        #expect(report.warnings.map(\.kind) == [.quarterWithoutInterview])
        #expect(report.quarters[3].events.map(\.cancelled) == [true])
        #expect(report.quarters[3].interviews == 0)
    }

    @Test("events belong to the year of their Beijing date: New Year's Eve and New Year's Day")
    func yearBoundary() {
        let events = goodYear + [interview(7, "2026-12-31T23:30"), interview(8, "2027-01-01T00:30"), interview(9, "2025-12-31T23:59")]
        let report = check(events)
        #expect(report.interviews == 5)
        #expect(report.quarters[3].events.map(\.id) == [4, 7])
        let next = check(events, year: 2027)
        #expect(next.interviews == 1 && next.quarters[0].events.map(\.id) == [8])
        // 16:30 UTC on 31 December 2026 is 00:30 on 1 January 2027 in Beijing.
        #expect(officeTime("2027-01-01T00:30") == officeTime("2026-12-31T16:30Z"))
    }

    @Test("a year without a holiday notice says only weekends were checked; a leap day lands in Q1")
    func yearWithoutData() {
        let report = check([interview(1, "2028-02-29T09:30")], year: 2028)
        #expect(!report.holidayDataLoaded)
        #expect(report.warnings.first?.kind == .noHolidayData)
        #expect(report.warnings.first?.message.contains("wenzheng calendar import") == true)
        #expect(report.quarters[0].interviews == 1 && report.quarters[0].lastDay == "2028-03-31")
        #expect(report.quarters[0].events[0].day == "weekday_without_holiday_data")
    }

    @Test("targets are configurable and checked")
    func targets() throws {
        let two = [interview(1, "2026-03-17T09:30"), interview(2, "2026-05-12T09:30")]
        let relaxed = PlanTargets(interviews: 2, openDays: 0, minimumNoticeDays: 3)
        #expect(check(two, targets: try relaxed.validated()).passes)
        #expect(!check(two).passes)
        let strict = check(goodYear, targets: PlanTargets(interviews: 4, openDays: 2, minimumNoticeDays: 10))
        #expect(strict.failures.map(\.kind) == [.tooFewOpenDays])
        #expect(strict.warnings.map(\.kind) == [.shortNotice, .shortNotice, .shortNotice, .shortNotice])
        let failure = #expect(throws: ValidationFailure.self) {
            try PlanTargets(interviews: -1, openDays: 1, minimumNoticeDays: 400).validated()
        }
        #expect(failure?.errors.map(\.field) == ["interviews", "minimumNoticeDays"])
    }

    @Test("the report encodes to JSON with its verdict, the same bytes every time")
    func json() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let report = check(goodYear.dropLast())
        let data = try encoder.encode(report)
        #expect(data == (try encoder.encode(check(goodYear.dropLast()))))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["passes"] as? Bool == false)
        #expect(Set(object.keys) == ["year", "targets", "quarters", "interviews", "openDays", "holidayDataLoaded", "failures", "warnings", "passes"])
        #expect(try JSONDecoder().decode(PlanReport.self, from: data) == report)
    }
}
