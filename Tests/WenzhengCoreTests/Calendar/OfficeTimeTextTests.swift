import Foundation
import Testing
import WenzhengCore

/// An instant from an ISO 8601 text with an explicit zone, read by
/// Foundation: an independent check of our own arithmetic.
private func instant(_ text: String) -> Date {
    guard let date = try? Date(text, strategy: .iso8601) else { fatalError("bad test instant \(text)") }
    return date
}

@Suite("Office times typed on the command line")
struct OfficeTimeTextTests {
    @Test(
        "office time, seconds, a space, an offset, Z",
        arguments: [
            ("2027-03-16T09:30", "2027-03-16T01:30:00Z"),
            ("2027-03-16t09:30", "2027-03-16T01:30:00Z"),
            ("2027-03-16 09:30", "2027-03-16T01:30:00Z"),
            (" 2027-03-16T09:30:15 ", "2027-03-16T01:30:15Z"),
            ("2027-03-16T09:30+08:00", "2027-03-16T01:30:00Z"),
            ("2027-03-16T09:30+0800", "2027-03-16T01:30:00Z"),
            ("2027-03-16T01:30Z", "2027-03-16T01:30:00Z"),
            ("2027-03-16T01:30:00z", "2027-03-16T01:30:00Z"),
            ("2027-03-15T20:30-05:00", "2027-03-16T01:30:00Z"),
            ("2027-03-16T07:00+05:30", "2027-03-16T01:30:00Z"),
        ])
    func parses(_ text: String, _ expected: String) throws {
        #expect(try OfficeTimeText.parse(text) == instant(expected))
    }

    @Test("the year boundary: midnight of 1 January in Beijing is the previous day in UTC")
    func yearBoundary() throws {
        let newYear = try OfficeTimeText.parse("2027-01-01T00:00")
        #expect(newYear == instant("2026-12-31T16:00:00Z"))
        #expect(OfficeDateTime(newYear).date == CivilDate(year: 2027, month: 1, day: 1))
        let lastSecond = try OfficeTimeText.parse("2026-12-31T23:59:59")
        #expect(OfficeDateTime(lastSecond).date == CivilDate(year: 2026, month: 12, day: 31))
        #expect(newYear.timeIntervalSince(lastSecond) == 1)
        // A UTC time late on 31 December is already next year at the office.
        #expect(OfficeDateTime(try OfficeTimeText.parse("2026-12-31T17:00Z")).description == "2027-01-01T01:00")
    }

    @Test("leap days: 2028-02-29 and 2000-02-29 exist, 2027-02-29 and 2100-02-29 do not")
    func leapDays() throws {
        #expect(try OfficeTimeText.parse("2028-02-29T10:00") == instant("2028-02-29T02:00:00Z"))
        #expect(try OfficeTimeText.parse("2000-02-29T10:00") == instant("2000-02-29T02:00:00Z"))
        for text in ["2027-02-29T10:00", "2100-02-29T10:00", "2027-04-31T10:00"] {
            let error = #expect(throws: OfficeTimeText.Invalid.self) { try OfficeTimeText.parse(text) }
            #expect(error?.reason == "there is no such day")
        }
    }

    @Test("the office zone has no summer time: every month of the supported years is UTC+8")
    func noSummerTime() throws {
        for year in stride(from: OfficeTimeText.supportedYears.lowerBound, through: OfficeTimeText.supportedYears.upperBound, by: 7) {
            for month in 1...12 {
                let text = String(format: "%04d-%02d-15T12:00", year, month)
                let parsed = try OfficeTimeText.parse(text)
                #expect(try OfficeTimeText.parse(text + "+08:00") == parsed, "\(text)")
                #expect(CivilDate.officeTimeZone.secondsFromGMT(for: parsed) == 8 * 3600)
                #expect(OfficeTimeText.format(parsed) == text)
            }
        }
    }

    @Test(
        "refuses what is not a time, with an example",
        arguments: [
            "", "tomorrow", "2027-03-16", "2027-3-16T09:30", "2027-03-16T9:30", "2027-03-16T24:00", "2027-03-16T09:60",
            "2027-03-16T09:30:60", "2027-13-01T09:00", "2027-00-10T09:00", "1999-12-31T23:00", "2101-01-01T00:00",
            "２０２７-03-16T09:30", "2027-03-16T09:30+8", "2027-03-16T09:30+15:00", "2027-03-16T09:30 +08:00",
            "2027-03-16T09:30Zjunk", "2027-03-16T09:30:00.5", "2027-03-16T09", "2027/03/16 09:30", "2027-03-16T09:30+08:61",
        ])
    func refuses(_ text: String) {
        let error = #expect(throws: OfficeTimeText.Invalid.self) { try OfficeTimeText.parse(text) }
        #expect(error?.description.contains("for example 2027-03-16T09:30") == true)
        #expect(error?.fieldError("start").code == "invalid_time")
    }

    @Test("a date without a time says the time is missing; a year out of range says the range")
    func reasons() {
        let missing = #expect(throws: OfficeTimeText.Invalid.self) { try OfficeTimeText.parse("2027-03-16") }
        #expect(missing?.reason == "the time of day is missing")
        let early = #expect(throws: OfficeTimeText.Invalid.self) { try OfficeTimeText.parse("1988-06-01T09:00") }
        #expect(early?.reason == "the year must be between 2000 and 2100")
    }

    @Test("format reads back, and seconds appear only when not zero")
    func roundTrip() throws {
        for text in ["2027-03-16T09:30", "2027-12-31T23:59:59", "2028-02-29T00:00", "2000-01-01T00:00:01"] {
            #expect(OfficeTimeText.format(try OfficeTimeText.parse(text)) == text)
        }
        #expect(OfficeDateTime.iso8601(try OfficeTimeText.parse("2027-03-16T09:30")) == "2027-03-16T09:30:00+08:00")
    }

    @Test("instants before 1970 and fractions of a second round towards the past")
    func flooring() {
        #expect(OfficeDateTime(Date(timeIntervalSince1970: -1)).description == "1970-01-01T07:59:59")
        #expect(OfficeDateTime(Date(timeIntervalSince1970: 0.999)).description == "1970-01-01T08:00")
        #expect(OfficeDateTime(Date(timeIntervalSince1970: -0.5)).description == "1970-01-01T07:59:59")
    }

    @Test("a start in the past or now is refused with a future example; a later one passes")
    func future() throws {
        let now = try OfficeTimeText.parse("2027-03-16T14:00")
        let error = #expect(throws: FieldError.self) {
            try OfficeTimeText.checkFuture(try! OfficeTimeText.parse("2027-03-16T09:30"), field: "start", now: now)
        }
        #expect(error?.code == "in_the_past")
        #expect(error?.message.contains("for example 2027-03-23T09:30") == true)
        #expect(throws: FieldError.self) { try OfficeTimeText.checkFuture(now, field: "start", now: now) }
        try OfficeTimeText.checkFuture(now.addingTimeInterval(60), field: "start", now: now)
    }
}
