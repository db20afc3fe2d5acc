import Foundation
import Testing
import WenzhengCore

@Suite("Deferred interview questions: deadlines and follow-up")
struct InterviewRulesTests {
    let notice2026 = HolidayCalendar(notices: ShippedHolidayNotices.all.filter { $0.year == 2026 })

    @Test("a deadline in late December is provisional until next year's notice is loaded")
    func lateDecemberWaitsForTheNextNotice() throws {
        // Deferred on Tuesday 2026-12-22: five working days end on 12-29.
        let deadline = InterviewRules.replyDeadline(deferredOn: CivilDate("2026-12-22")!, calendar: notice2026)
        #expect(deadline.date == CivilDate("2026-12-29")!)
        #expect(deadline.provisional)
        // The 2027 notice settles it.
        let with2027 = HolidayCalendar(notices: ShippedHolidayNotices.all.filter { $0.year == 2026 } + [try HolidayNotice(year: 2027, days: [.init(date: CivilDate("2027-01-01")!, name: "元旦", isOffDay: true)])])
        #expect(!InterviewRules.replyDeadline(deferredOn: CivilDate("2026-12-22")!, calendar: with2027).provisional)
        // Earlier in December, nothing the next notice says can move it.
        #expect(!InterviewRules.replyDeadline(deferredOn: CivilDate("2026-12-07")!, calendar: notice2026).provisional)
    }

    @Test("a deadline counted in a year without a notice is provisional")
    func yearWithoutNotice() {
        let deadline = InterviewRules.replyDeadline(deferredOn: CivilDate("2027-02-01")!, calendar: notice2026)
        #expect(deadline.date == CivilDate("2027-02-08")!)
        #expect(deadline.provisional)
    }

    @Test("answered on time, answered late, and overdue like a letter")
    func replyStatus() {
        let due = CivilDate("2026-12-11")!
        let open = DeferredReplyStatus(dueOn: due, answeredOn: nil)
        #expect(open.answeredOnTime == nil)
        #expect(!open.isOverdue(today: due))
        #expect(open.isOverdue(today: CivilDate("2026-12-12")!))
        let onTime = DeferredReplyStatus(dueOn: due, answeredOn: due)
        #expect(onTime.answeredOnTime == true)
        #expect(!onTime.isOverdue(today: CivilDate("2027-01-05")!))
        // Answered late stays overdue.
        let late = DeferredReplyStatus(dueOn: due, answeredOn: CivilDate("2026-12-14")!)
        #expect(late.answeredOnTime == false)
        #expect(late.isOverdue(today: CivilDate("2026-12-14")!))
    }
}
