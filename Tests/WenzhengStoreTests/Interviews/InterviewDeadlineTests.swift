import Foundation
import GRDB
import Testing
@testable import WenzhengCore
@testable import WenzhengStore

@Suite("Deferred questions and the working-day calendar")
struct InterviewDeadlineTests {
    // SQLite only for now. wiring: on both backends once the PostgreSQL
    // calendar store (its imports calling `PostgresCalendarDependent`) is in
    // `postgresStores`; `PostgresInterviewsStore.calendarChanged` itself is
    // tested on PostgreSQL in InterviewNodesTests.
    @Test("a deferred question's deadline follows a newly imported holiday notice")
    func deadlinesMoveWithTheCalendar() async throws {
        let db = try AppDatabase.inMemory()
        // Given an interview that ends on Monday 2027-02-01 (Beijing time)
        // with one unanswered question…
        let interview = try await StoreInterview.create(db)
        _ = try await interview.askApproved("请问")
        _ = try await db.interviews.changeInterviewStatus(id: interview.id, to: .live, actor: interview.host, calendar: WeekdayCalendar(), at: testStart)
        let staff = interview.host
        let ended = ISO8601DateFormatter().date(from: "2027-02-01T04:00:00Z")!
        // …counted on the shipped calendar, which has no 2027 data yet:
        let calendar = try await db.calendar.workingDayCalendar()
        _ = try await db.interviews.changeInterviewStatus(id: interview.id, to: .ended, actor: staff, calendar: calendar, at: ended)
        #expect(try await db.interviews.deferredQuestions(for: staff, at: ended).questions.map(\.replyDueOn) == ["2027-02-08"])

        // When the 2027 notice declares 02-03 and 02-04 days off,
        let notice = try HolidayNotice(
            year: 2027,
            days: [
                .init(date: CivilDate("2027-02-03")!, name: "春节", isOffDay: true),
                .init(date: CivilDate("2027-02-04")!, name: "春节", isOffDay: true),
            ])
        _ = try await db.calendar.importHolidayNotice(notice, source: "test", actor: cliActor, at: ended)
        // then the deadline moves two working days later.
        #expect(try await db.interviews.deferredQuestions(for: staff, at: ended).questions.map(\.replyDueOn) == ["2027-02-10"])
    }
}
