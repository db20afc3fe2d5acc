import Foundation
import GRDB
import Testing
import WenzhengCore

@testable import WenzhengStore

private func date(_ text: String) -> CivilDate {
    guard let date = CivilDate(text) else { fatalError("bad test date \(text)") }
    return date
}

/// A small 2027 notice (元旦 and part of 春节; the real one is not out yet),
/// enough to make January and February 2027 known.
private func notice2027(springFestivalLastDay: String = "2027-02-11") throws -> HolidayNotice {
    var days: [HolidayNotice.Day] = [.init(date: date("2027-01-01"), name: "元旦", isOffDay: true)]
    var day = date("2027-02-05")
    while day <= date(springFestivalLastDay) {
        days.append(.init(date: day, name: "春节", isOffDay: true))
        day = day.nextDay
    }
    days.append(.init(date: date("2027-02-20"), name: "春节", isOffDay: false))
    return try HolidayNotice(year: 2027, papers: ["https://example.invalid/2027"], days: days)
}

/// `CalendarStore` on both backends (`StoreBackend.underTest`).
@Suite("Working-day calendar in the store")
struct CalendarStoreTests {
    @Test(arguments: StoreBackend.underTest)
    func theShippedYearsArePresentInANewDatabase(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase(onFile: true)
        let years = try await db.calendar.calendarYears()
        #expect(years.map(\.year) == [2025, 2026])
        #expect(years.map(\.source) == ["shipped", "shipped"])
        #expect(years.map(\.offDays) == [28, 33])
        #expect(years.map(\.makeUpWorkingDays) == [5, 6])
        #expect(years.last?.papers == ["https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"])

        // The calendar from the database is the shipped one.
        let calendar = try await db.calendar.workingDayCalendar()
        #expect(calendar.allNoticeDays == HolidayCalendar.shipped.allNoticeDays)
        #expect(calendar.yearsWithData == [2025, 2026])
        #expect(calendar.adding(workingDays: 20, to: date("2026-09-18")) == date("2026-10-22"))
    }

    @Test("importing a year's notice again replaces it, and the import is audited", arguments: StoreBackend.underTest)
    func reimportReplacesTheYear(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let at = testStart
        // Given 2027 imported once
        let first = try await db.calendar.importHolidayNotice(try notice2027(), source: "file:2027.json", actor: cliActor, at: at)
        #expect(!first.replacedEarlierNotice)
        #expect(first.daysBefore == 0)
        #expect(first.daysAfter == 9)
        #expect(first.added.count == 9)
        #expect(first.removed.isEmpty && first.changed.isEmpty)

        // When a corrected notice (春节 two days shorter, 2027-02-20 now a
        // day off) replaces it
        var corrected = try notice2027(springFestivalLastDay: "2027-02-09").days.filter { $0.date != date("2027-02-20") }
        corrected.append(.init(date: date("2027-02-20"), name: "春节", isOffDay: true))
        let second = try await db.calendar.importHolidayNotice(
            try HolidayNotice(year: 2027, papers: [], days: corrected), source: "file:2027-v2.json", actor: cliActor,
            at: at.addingTimeInterval(60))

        // Then the year holds exactly the new notice's days
        #expect(second.replacedEarlierNotice)
        #expect(second.daysBefore == 9)
        #expect(second.daysAfter == 7)
        #expect(second.added.isEmpty)
        #expect(second.removed.map(\.date.description) == ["2027-02-10", "2027-02-11"])
        #expect(second.changed.map(\.after.date.description) == ["2027-02-20"])
        #expect(second.changed.first?.before.isOffDay == false)
        #expect(second.changed.first?.after.isOffDay == true)
        let calendar = try await db.calendar.workingDayCalendar()
        #expect(calendar.isWorkingDay(date("2027-02-10")))
        #expect(!calendar.isWorkingDay(date("2027-02-20")))
        let years = try await db.calendar.calendarYears()
        #expect(years.map(\.year) == [2025, 2026, 2027])
        #expect(years.last?.source == "file:2027-v2.json")
        #expect(years.last?.importedBy == "cli:tester")
        #expect(years.last?.papers == [])
        // The shipped years are untouched.
        #expect(years.prefix(2).map(\.offDays) == [28, 33])

        // And each import is one audit entry with the day counts
        let audit = try await db.audit.auditEntries().filter { $0.action == "calendar.import" }
        #expect(audit.count == 2)
        let latest = try #require(audit.first)
        #expect(latest.subjectType == "holiday_notice")
        #expect(latest.subjectId == "2027")
        #expect(latest.actorName == "cli:tester")
        let before = try JSONSerialization.jsonObject(with: Data((latest.beforeJson ?? "").utf8)) as? [String: Any]
        let after = try JSONSerialization.jsonObject(with: Data((latest.afterJson ?? "").utf8)) as? [String: Any]
        #expect(before?["days"] as? Int == 9)
        #expect(before?["source"] as? String == "file:2027.json")
        #expect(after?["days"] as? Int == 7)
        #expect(after?["removed"] as? Int == 2)
        #expect(after?["changed"] as? Int == 1)
        #expect(audit.last?.beforeJson == nil)
    }

    @Test(arguments: StoreBackend.underTest)
    func importing2027MakesItsDeadlinesFinal(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        // Given no 2027 notice, a deadline in early February 2027 is provisional
        let received = date("2027-02-04")  // a Thursday
        let before = try await db.calendar.workingDayCalendar().deadline(from: received, workingDays: 2)
        #expect(before.isProvisional)
        #expect(before.date == date("2027-02-08"))
        // When 2027 is imported
        try await db.calendar.importHolidayNotice(try notice2027(), source: "file:2027.json", actor: cliActor, at: testStart)
        // Then the same deadline skips 春节 and is final
        let after = try await db.calendar.workingDayCalendar().deadline(from: received, workingDays: 2)
        #expect(!after.isProvisional)
        #expect(after.date == date("2027-02-15"))
    }

    @Test("a neighbouring year's date is kept unless that year's own notice speaks about it", arguments: StoreBackend.underTest)
    func neighbouringYearDates(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let notice = try HolidayNotice(
            year: 2027,
            days: [
                .init(date: date("2026-10-01"), name: "错误", isOffDay: false),  // 2026's notice says otherwise
                .init(date: date("2026-12-31"), name: "元旦", isOffDay: true),  // 2026's notice is silent
                .init(date: date("2027-01-01"), name: "元旦", isOffDay: true),
            ])
        let result = try await db.calendar.importHolidayNotice(notice, source: "test", actor: cliActor, at: testStart)
        #expect(result.added.map(\.date.description) == ["2026-12-31", "2027-01-01"])
        #expect(result.changed.isEmpty)
        let calendar = try await db.calendar.workingDayCalendar()
        #expect(calendar.noticeDay(on: date("2026-10-01"))?.name == "国庆节")
        #expect(!calendar.isWorkingDay(date("2026-12-31")))

        // Re-importing 2026 takes back what is its own and leaves 2027's row.
        let again = try await db.calendar.importHolidayNotice(
            ShippedHolidayNotices.all[1], source: "shipped-again", actor: cliActor, at: testStart)
        #expect(again.isUnchanged)
        #expect(try await db.calendar.workingDayCalendar().noticeDay(on: date("2026-12-31"))?.name == "元旦")
        let owner = try await db.integerRaw(sqlite: "SELECT notice_year FROM calendar_day WHERE date = '2026-12-31'")
        #expect(owner == 2027)
    }

    @Test(arguments: StoreBackend.underTest)
    func theSchemaRefusesDaysFarFromTheirNotice(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        // SQLite checks the year through the text; PostgreSQL's DATE cannot
        // hold a malformed date at all.
        await #expect(throws: (any Error).self) {
            try await db.executeRaw(
                sqlite: "INSERT INTO calendar_day (date, is_off_day, name, notice_year) VALUES ('2030-01-01', 1, '元旦', 2026)",
                postgres: "INSERT INTO calendar_day (\"date\", is_off_day, name, notice_year) VALUES ('2030-01-01', TRUE, '元旦', 2026)")
        }
        await #expect(throws: (any Error).self) {
            try await db.executeRaw(
                sqlite: "INSERT INTO calendar_day (date, is_off_day, name, notice_year) VALUES ('2026-1-1', 1, '元旦', 2026)",
                postgres: "INSERT INTO calendar_day (\"date\", is_off_day, name, notice_year) VALUES ('2026-1-1x', TRUE, '元旦', 2026)")
        }
        // A notice's days go when it goes.
        try await db.executeRaw(sqlite: "DELETE FROM holiday_notice WHERE year = 2025")
        #expect(try await db.calendar.calendarYears().map(\.year) == [2026])
        #expect(!(try await db.calendar.workingDayCalendar()).hasData(forYear: 2025))
        #expect(try await db.calendar.workingDayCalendar().isWorkingDay(date("2025-10-08")))
    }

    @Test(arguments: StoreBackend.underTest)
    func anEmptySourceIsRefused(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        await #expect(throws: StoreError.self) {
            try await db.calendar.importHolidayNotice(try notice2027(), source: "  ", actor: cliActor, at: testStart)
        }
        #expect(try await db.calendar.calendarYears().count == 2)
    }
}
