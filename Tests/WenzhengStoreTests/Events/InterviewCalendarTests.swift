import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// What the calendar and the plan check read of interviews: the revision
/// (iCalendar SEQUENCE) and the announcement time. These test the
/// interviews' store (and the SQLite migration v16), whose PostgreSQL port
/// is another part of issue 16, so they stay on SQLite here; the events
/// store's side of the plan runs on both backends in `EventsStoreTests`.
@Suite("Interviews' calendar revision and announcement time")
struct InterviewCalendarTests {
    static func draft(title: String = "法律援助访谈", summary: String = "", start: String = "2027-03-16 09:30", minutes: Int = 90)
        -> InterviewDraft
    {
        InterviewDraft(
            title: title, summary: summary, scheduledStart: beijing(start), plannedMinutes: minutes, hostUsername: nil,
            guests: [InterviewGuest(name: "张明", title: "副厅长", department: "江苏省司法厅")])
    }

    @Test("the revision rises with a new title, start or length, not with other edits")
    func revision() async throws {
        let file = try TemporaryDatabase()
        let db = file.database
        let host = StoreInterview.staff(try await db.addUser("host", role: .host), "host", .host)
        let now = beijing("2027-03-01 10:00")
        let created = try await db.interviews.createInterview(Self.draft(), actor: host, at: now)
        #expect(created.revision == 0 && created.announcedAt == nil)

        func update(_ draft: InterviewDraft) async throws -> Int {
            try await db.interviews.updateInterview(id: created.id, draft, actor: host, at: now).revision
        }
        #expect(try await update(Self.draft(summary: "新的简介")) == 0)
        #expect(try await update(Self.draft(title: "新标题")) == 1)
        #expect(try await update(Self.draft(title: "新标题", start: "2027-03-17 09:30")) == 2)
        #expect(try await update(Self.draft(title: "新标题", start: "2027-03-17 09:30", minutes: 120)) == 3)
        #expect(try await update(Self.draft(title: "新标题", summary: "再改", start: "2027-03-17 09:30", minutes: 120)) == 3)

        // The calendar's SEQUENCE is the revision.
        let interview = try await db.interviews.interview(id: created.id)
        let event = ICalendarEvent(
            interviewID: interview.id, host: "wenzheng.example", title: interview.title, summary: interview.summary,
            start: interview.scheduledStart, durationMinutes: interview.plannedMinutes, guests: [], url: nil, revision: interview.revision)
        #expect(event.sequence == 3)
    }

    @Test("announced when it opens for questions, or when it goes live without opening; not moved later")
    func announcement() async throws {
        let file = try TemporaryDatabase()
        let db = file.database
        let host = StoreInterview.staff(try await db.addUser("host", role: .host), "host", .host)
        let now = beijing("2027-03-01 10:00")
        let opened = try await db.interviews.createInterview(Self.draft(), actor: host, at: now)
        let openAt = beijing("2027-03-12 15:00")
        var (interview, _) = try await db.interviews.changeInterviewStatus(
            id: opened.id, to: .open, actor: host, calendar: WeekdayCalendar(), at: openAt)
        #expect(interview.announcedAt == openAt)
        (interview, _) = try await db.interviews.changeInterviewStatus(
            id: opened.id, to: .live, actor: host, calendar: WeekdayCalendar(), at: beijing("2027-03-16 09:30"))
        #expect(interview.announcedAt == openAt && interview.revision == 0)

        let direct = try await db.interviews.createInterview(Self.draft(start: "2027-06-01 09:30"), actor: host, at: now)
        let liveAt = beijing("2027-06-01 09:30")
        (interview, _) = try await db.interviews.changeInterviewStatus(
            id: direct.id, to: .live, actor: host, calendar: WeekdayCalendar(), at: liveAt)
        #expect(interview.announcedAt == liveAt)

        let planned = try await db.events.plannedEvents(year: 2027)
        #expect(planned.map(\.announcedAt) == [openAt, liveAt])
        let report = AnnualPlan.check(year: 2027, events: planned, calendar: HolidayCalendar(notices: []), now: now)
        #expect(report.warnings.filter { $0.kind == .shortNotice }.map(\.eventID) == [direct.id])
    }

    @Test("v16 back-fills the announcement of interviews already public from the audit log, else their creation")
    func backFill() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = try DatabasePool(
            path: directory.appendingPathComponent("old.sqlite").path, configuration: AppDatabase.makeConfiguration(logger: nil))
        try Migrations.migrator.migrate(pool, upTo: "v15-outbox")

        let created = beijing("2027-01-05 10:00")
        let opened = beijing("2027-01-10 10:00")
        let live = beijing("2027-02-01 09:30")
        try await pool.write { db in
            for (id, status) in [(1, "scheduled"), (2, "open"), (3, "ended"), (4, "published")] {
                try db.execute(
                    sql: """
                        INSERT INTO interview (id, title, summary, scheduled_start, planned_minutes, status, created_at, updated_at)
                        VALUES (?, '访谈', '', ?, 60, ?, ?, ?)
                        """, arguments: [id, live, status, created, created])
            }
            func audit(_ id: Int, _ status: String, at date: Date) throws {
                try db.execute(
                    sql: """
                        INSERT INTO audit_entry (recorded_at, actor_name, action, subject_type, subject_id, after_json)
                        VALUES (?, 'host', 'interview.status', 'interview', ?, ?)
                        """, arguments: [date, String(id), "{\"status\":\"\(status)\"}"])
            }
            try audit(2, "open", at: opened)
            // Interview 3 went live unannounced, then ended.
            try audit(3, "live", at: live)
            try audit(3, "ended", at: live.addingTimeInterval(3600))
            // An entry about interview 12 is not about interview 1 or 2.
            try audit(12, "open", at: beijing("2027-01-01 08:00"))
        }

        let database = try AppDatabase(pool)
        var announced: [Date?] = []
        for id in Int64(1)...4 {
            let interview = try await database.interviews.interview(id: id)
            #expect(interview.revision == 0)
            announced.append(interview.announcedAt)
        }
        #expect(announced == [nil, opened, live, created])
    }
}
