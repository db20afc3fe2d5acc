import Foundation
import Testing
import WenzhengCore

@Suite("Open days: notices to visitors, and when a registration can be cancelled")
struct OpenDayNoticesTests {
    let now = officeTime("2027-03-01T10:00")

    func openDay(title: String = "司法行政开放日") throws -> OpenDay {
        try OpenDay.scheduled(
            title: title, programme: "参观法律援助中心；座谈", location: "南京市北京西路28号", start: officeTime("2027-05-18T09:30"),
            durationMinutes: 90, capacity: 50, now: now)
    }

    @Test("times are Beijing time as 2027-05-20 09:30, whatever the machine's zone")
    func time() {
        #expect(OpenDayNotices.time(officeTime("2027-05-20T09:30")) == "2027-05-20 09:30")
        #expect(OpenDayNotices.time(Date(timeIntervalSince1970: 0)) == "1970-01-01 08:00")
    }

    @Test("a reschedule notice gives the new and the old time and the place, Chinese first")
    func rescheduled() throws {
        let day = try openDay()
        let moved = try day.rescheduled(to: officeTime("2027-05-20T09:30"), now: now)
        let notice = OpenDayNotices.rescheduled(moved, previousStart: day.start)
        #expect(notice.kind == .rescheduled && notice.kind.rawValue == "open_day.rescheduled")
        #expect(notice.subject.hasPrefix("开放日时间调整") && notice.subject.hasSuffix("司法行政开放日"))
        #expect(notice.body.contains("新的时间：2027-05-20 09:30（北京时间）"))
        #expect(notice.body.contains("原定时间：2027-05-18 09:30"))
        #expect(notice.body.contains("南京市北京西路28号"))
        #expect(notice.body.contains("now starts at 2027-05-20 09:30 Beijing time (was 2027-05-18 09:30)"))
        let chinese = try #require(notice.body.range(of: "您好"))
        let english = try #require(notice.body.range(of: "Open day rescheduled"))
        #expect(chinese.lowerBound < english.lowerBound)
    }

    @Test("a cancellation notice carries the reason")
    func cancelled() throws {
        let notice = OpenDayNotices.cancelled(try openDay().cancelled(reason: "场馆维修"))
        #expect(notice.kind == .cancelled)
        #expect(notice.body.contains("取消原因：场馆维修") && notice.body.contains("Reason: 场馆维修."))
        #expect(notice.body.contains("2027-05-18 09:30"))
    }

    @Test("a promotion notice shows the code only when it is e-mailed")
    func promoted() throws {
        var generator = XorShiftGenerator(seed: 7)
        let code = ConfirmationCode.generate(using: &generator)
        let mailed = OpenDayNotices.promoted(try openDay(), partySize: 2, code: code)
        #expect(mailed.kind == .promoted && mailed.kind.rawValue == "registration.promoted")
        #expect(mailed.body.contains("确认码：\(code)") && mailed.body.contains("(2 people)"))
        let logged = OpenDayNotices.promoted(try openDay(), partySize: 1, code: nil)
        #expect(!logged.body.contains("确认码：") && !logged.body.contains(code.symbols))
        #expect(logged.body.contains("(1 person)"))
    }

    @Test("a title with line breaks makes a one-line subject")
    func subjectIsOneLine() throws {
        var day = try openDay()
        day.title = "开放日\r\n第二行\u{2028}第三行"
        let subject = OpenDayNotices.cancelled(try day.cancelled(reason: "x")).subject
        #expect(!subject.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{2028}" })
        #expect(subject.hasSuffix("开放日 第二行 第三行"))
    }

    @Test("a registration can be cancelled until the start; not once held, nor when the open day is cancelled")
    func cancellable() throws {
        let day = try openDay()
        try day.checkRegistrationCancellable(at: officeTime("2027-05-18T09:29"))
        let late = #expect(throws: OpenDayConflict.self) { try day.checkRegistrationCancellable(at: day.start) }
        #expect(late == .cancellationClosed(closedAt: day.start))
        #expect(late?.code == "cancellation_closed")
        #expect(late?.description == "the open day started at 2027-05-18T09:30 (Beijing time); registrations can no longer be cancelled")
        let held = try day.held(now: day.start)
        #expect(throws: OpenDayConflict.cancellationClosed(closedAt: day.start)) { try held.checkRegistrationCancellable(at: now) }
        let cancelled = try day.cancelled(reason: "场馆维修")
        #expect(throws: OpenDayConflict.eventCancelled(reason: "场馆维修")) { try cancelled.checkRegistrationCancellable(at: now) }
    }
}
