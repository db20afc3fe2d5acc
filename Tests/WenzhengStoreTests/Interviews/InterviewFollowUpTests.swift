import Foundation
import GRDB
import Testing
@testable import WenzhengCore
@testable import WenzhengStore

@Suite("Deferred questions: follow-up, deadlines, paging")
struct InterviewFollowUpTests {
    @Test("a late answer records 答复日期 and 答复部门; the list says on time or late, and flags overdue", arguments: StoreBackend.underTest)
    func lateAnswersAndOverdue(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let interview = try await StoreInterview.create(db)
        let first = try await interview.askApproved("第一个问题")
        let second = try await interview.askApproved("第二个问题")
        let third = try await interview.askApproved("第三个问题")
        try await interview.status(.live, at: beijing("2026-12-03 10:00"))
        // Ended on Friday 2026-12-04: due five working days later, 12-11.
        try await interview.status(.ended, at: beijing("2026-12-04 10:00"))
        try await interview.answer(first, "按期答复", at: beijing("2026-12-10 10:00"))
        try await interview.answer(second, "超期答复", at: beijing("2026-12-14 10:00"))
        // A second answer does not move the first answer's date.
        try await interview.answer(first, "补充说明", at: beijing("2026-12-15 10:00"))

        let list = try await db.interviews.deferredQuestions(for: interview.host, at: beijing("2026-12-15 10:00"))
        #expect(list.more == false)
        let byID = Dictionary(uniqueKeysWithValues: list.questions.map { ($0.id, $0) })
        // Open questions come first.
        #expect(list.questions.first?.id == third)
        #expect(byID[third]?.overdue == true)
        #expect(byID[third]?.answeredOnTime == nil)
        #expect(byID[first]?.answeredOn == "2026-12-10")
        #expect(byID[first]?.answerDepartment == "市司法局")
        #expect(byID[first]?.answeredOnTime == true)
        #expect(byID[first]?.overdue == false)
        #expect(byID[second]?.answeredOnTime == false)
        #expect(byID[second]?.overdue == true)
        #expect(byID[first]?.receivedOn == CivilDate(testStart).description)
        #expect(byID[first]?.replyDueOn == "2026-12-11")
        #expect(byID[first]?.replyDueProvisional == false)

        // Before the deadline nothing is overdue.
        let earlier = try await db.interviews.deferredQuestions(.init(state: .open), for: interview.host, at: beijing("2026-12-11 10:00"))
        #expect(earlier.questions.map(\.id) == [third])
        #expect(earlier.questions.first?.overdue == false)
        // The answer entry keeps its department.
        let transcript = try await db.interviews.transcriptPage(interviewID: interview.id, .latest, limit: 10)
        #expect(transcript.entries.filter(\.late).compactMap(\.department) == ["市司法局", "市司法局", "市司法局"])
    }

    // SQLite only for now. wiring: on both backends once the PostgreSQL
    // calendar store (its imports calling `PostgresCalendarDependent`) is in
    // `postgresStores`; `PostgresInterviewsStore.calendarChanged` itself is
    // tested on PostgreSQL in InterviewNodesTests.
    @Test("late December deadlines are provisional until next year's notice, and an import settles them")
    func provisionalInLateDecember() async throws {
        let db = try AppDatabase.inMemory()
        let interview = try await StoreInterview.create(db)
        let question = try await interview.deferOne("年底的问题", live: "2026-12-21 10:00", ended: "2026-12-22 10:00")
        let before = try await db.interviews.deferredQuestions(for: interview.host, at: beijing("2026-12-22 10:00")).questions
        #expect(before.map(\.replyDueOn) == ["2026-12-29"])
        #expect(before.map(\.replyDueProvisional) == [true])
        _ = try await db.calendar.importHolidayNotice(
            try HolidayNotice(year: 2027, days: [.init(date: CivilDate("2027-01-01")!, name: "元旦", isOffDay: true)]),
            source: "test", actor: cliActor, at: beijing("2026-12-23 10:00"))
        let after = try await db.interviews.deferredQuestions(for: interview.host, at: beijing("2026-12-23 10:00")).questions
        #expect(after.map(\.id) == [question])
        #expect(after.map(\.replyDueProvisional) == [false])
    }

    // SQLite only for now. wiring: on both backends once the PostgreSQL
    // calendar store (its imports calling `PostgresCalendarDependent`) is in
    // `postgresStores`; `PostgresInterviewsStore.calendarChanged` itself is
    // tested on PostgreSQL in InterviewNodesTests.
    @Test("an import recomputes answered questions' deadlines too, so on-time rests on the real date")
    func importRecomputesAnsweredQuestions() async throws {
        let db = try AppDatabase.inMemory()
        let interview = try await StoreInterview.create(db)
        // Due 02-08 on weekdays only.
        let question = try await interview.deferOne("春节前的问题", live: "2027-02-01 10:00", ended: "2027-02-01 10:00")
        try await interview.answer(question, "答复", at: beijing("2027-02-09 10:00"))
        #expect(try await db.interviews.deferredQuestions(for: interview.host, at: beijing("2027-02-09 10:00")).questions.first?.answeredOnTime == false)
        _ = try await db.calendar.importHolidayNotice(
            try HolidayNotice(
                year: 2027,
                days: [
                    .init(date: CivilDate("2027-02-03")!, name: "春节", isOffDay: true),
                    .init(date: CivilDate("2027-02-04")!, name: "春节", isOffDay: true),
                ]),
            source: "test", actor: cliActor, at: beijing("2027-02-10 10:00"))
        let settled = try await db.interviews.deferredQuestions(for: interview.host, at: beijing("2027-02-10 10:00")).questions.first
        #expect(settled?.replyDueOn == "2027-02-10")
        #expect(settled?.answeredOnTime == true)
    }

    @Test("the deferred list pages; hosts and guests see only the interviews they run", arguments: StoreBackend.underTest)
    func pagingAndScope(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let mine = try await StoreInterview.create(db)
        let others = try await StoreInterview.create(db, hostName: "other-host")
        for index in 0..<5 { _ = try await mine.askApproved("问题\(index)", nickname: "王五", contact: "13900001111") }
        _ = try await others.askApproved("别人的问题", nickname: "赵六", contact: "13900002222")
        for interview in [mine, others] {
            try await interview.status(.live, at: beijing("2026-12-03 10:00"))
            try await interview.status(.ended, at: beijing("2026-12-04 10:00"))
        }
        let now = beijing("2026-12-07 10:00")
        let first = try await db.interviews.deferredQuestions(.init(limit: 2), for: mine.host, at: now)
        #expect(first.questions.count == 2 && first.more)
        let last = try await db.interviews.deferredQuestions(.init(limit: 2, offset: 4), for: mine.host, at: now)
        #expect(last.questions.count == 1 && !last.more)
        // The host of the other interview sees its question only, with its contact.
        let theirs = try await db.interviews.deferredQuestions(for: others.host, at: now).questions
        #expect(theirs.map(\.contact) == ["13900002222"])
        // An admin sees all six, with contacts.
        let admin = StoreInterview.staff(try await db.addUser("root", role: .admin), "root", .admin)
        let all = try await db.interviews.deferredQuestions(.init(limit: 10), for: admin, at: now).questions
        #expect(all.count == 6 && all.allSatisfy { $0.contact != nil && !$0.redacted })
        // A moderator sees all six, without contacts or original text, names masked.
        let moderator = StoreInterview.staff(try await db.addUser("mod", role: .moderator), "mod", .moderator)
        let masked = try await db.interviews.deferredQuestions(.init(limit: 10), for: moderator, at: now).questions
        #expect(masked.count == 6)
        #expect(masked.allSatisfy { $0.contact == nil && $0.originalText == nil && $0.redacted })
        #expect(Set(masked.compactMap(\.nickname)) == ["王*", "赵*"])
    }

    @Test("transcript pages: after, before and latest, bounded", arguments: StoreBackend.underTest)
    func transcriptWindows(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let interview = try await StoreInterview.create(db)
        try await interview.status(.live, at: testStart)  // seq 1
        for index in 0..<9 {
            _ = try await db.interviews.postEntry(
                interviewID: interview.id, kind: .remark, body: "发言\(index)", author: .host, questionID: nil, actor: interview.host,
                at: testStart)
        }  // seqs 2...10
        let start = try await db.interviews.transcriptPage(interviewID: interview.id, .after(0), limit: 4)
        #expect(start.entries.map(\.seq) == [1, 2, 3, 4])
        #expect(!start.hasEarlier && start.hasLater)
        let middle = try await db.interviews.transcriptPage(interviewID: interview.id, .after(4), limit: 4)
        #expect(middle.entries.map(\.seq) == [5, 6, 7, 8])
        #expect(middle.hasEarlier && middle.hasLater)
        let latest = try await db.interviews.transcriptPage(interviewID: interview.id, .latest, limit: 4)
        #expect(latest.entries.map(\.seq) == [7, 8, 9, 10])
        #expect(latest.hasEarlier && !latest.hasLater)
        let before = try await db.interviews.transcriptPage(interviewID: interview.id, .before(7), limit: 4)
        #expect(before.entries.map(\.seq) == [3, 4, 5, 6])
        #expect(before.hasEarlier && before.hasLater)
    }
}
