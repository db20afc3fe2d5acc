import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// Interviews scheduled, moved and called off from the command line
/// (`scheduleInterview`, `rescheduleInterview`, `cancelInterview`), and
/// migration `v17-interview-cancellation`, which rebuilt the interview
/// table to allow the status `cancelled`.
@Suite("Interview cancellation and the command line's interview methods")
struct InterviewCancellationTests {
    static let now = beijing("2027-03-01 10:00")

    static func draft(start: String = "2027-03-16 09:30", host: String? = nil) -> InterviewDraft {
        InterviewDraft(
            title: "法律援助访谈", summary: "简介", scheduledStart: beijing(start), plannedMinutes: 90, hostUsername: host,
            guests: [InterviewGuest(name: "张明", title: "副厅长", department: "江苏省司法厅")])
    }

    @Test(
        "schedule: the command line's actor, the host by name, a start in the past refused with an example",
        arguments: StoreBackend.underTest)
    func schedule(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase(onFile: true)
        try await db.addUser("wang", role: .host)
        try await db.addUser("mod", role: .moderator)
        let interview = try await db.interviews.scheduleInterview(Self.draft(host: "Wang"), actor: cliActor, at: Self.now)
        #expect(interview.status == .scheduled && interview.hostUsername == "wang" && interview.revision == 0)
        #expect(interview.guests.map(\.name) == ["张明"])
        let audit = try await db.audit.auditEntries().filter { $0.action == "interview.create" }
        #expect(audit.map(\.actorName) == ["cli:tester"])

        let past = await storeError {
            _ = try await db.interviews.scheduleInterview(Self.draft(start: "2027-02-28 09:30"), actor: cliActor, at: Self.now)
        }
        #expect(past?.description.contains("is in the past") == true)
        #expect(past?.description.contains("for example 2027-03-08T09:30") == true)
        let notHost = await storeError {
            _ = try await db.interviews.scheduleInterview(Self.draft(host: "mod"), actor: cliActor, at: Self.now)
        }
        #expect(notHost?.description == "'mod' is not a host")
        let nobody = await storeError {
            _ = try await db.interviews.scheduleInterview(Self.draft(host: "nobody"), actor: cliActor, at: Self.now)
        }
        #expect(nobody?.description == "no active staff account 'nobody'")
    }

    @Test(
        "reschedule raises the revision, keeps the guests, and is refused once live or for a past start",
        arguments: StoreBackend.underTest)
    func reschedule(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase(onFile: true)
        let interview = try await db.interviews.scheduleInterview(Self.draft(), actor: cliActor, at: Self.now)
        let moved = try await db.interviews.rescheduleInterview(
            id: interview.id, to: beijing("2027-03-18 14:00"), plannedMinutes: 120, actor: cliActor, at: Self.now)
        #expect(moved.revision == 1 && moved.plannedMinutes == 120 && moved.scheduledStart == beijing("2027-03-18 14:00"))
        #expect(moved.guests == interview.guests && moved.summary == "简介")
        let same = try await db.interviews.rescheduleInterview(
            id: interview.id, to: beijing("2027-03-18 14:00"), plannedMinutes: nil, actor: cliActor, at: Self.now)
        #expect(same.revision == 1)
        let past = await storeError {
            _ = try await db.interviews.rescheduleInterview(
                id: interview.id, to: beijing("2027-02-01 09:00"), plannedMinutes: 5, actor: cliActor, at: Self.now)
        }
        #expect(past?.description.contains("in the past") == true)
        #expect(past?.description.contains("for example --duration 90m") == true)
        let missing = await storeError {
            _ = try await db.interviews.rescheduleInterview(
                id: 99, to: beijing("2027-03-18 14:00"), plannedMinutes: nil, actor: cliActor, at: Self.now)
        }
        #expect(missing == .notFound(kind: "interview", key: "99"))

        let host = StoreInterview.staff(try await db.addUser("host", role: .host), "host", .host)
        _ = try await db.interviews.changeInterviewStatus(
            id: interview.id, to: .live, actor: host, calendar: WeekdayCalendar(), at: Self.now)
        let live = await storeError {
            _ = try await db.interviews.rescheduleInterview(
                id: interview.id, to: beijing("2027-03-20 14:00"), plannedMinutes: nil, actor: cliActor, at: Self.now)
        }
        #expect(live == .conflict("interview \(interview.id) is live; only scheduled or open interviews can be rescheduled"))
    }

    @Test(
        "cancel: from scheduled or open with a reason; the revision rises; questions refused; public only if announced",
        arguments: StoreBackend.underTest)
    func cancel(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase(onFile: true)
        let host = StoreInterview.staff(try await db.addUser("host", role: .host), "host", .host)
        let quiet = try await db.interviews.scheduleInterview(Self.draft(), actor: cliActor, at: Self.now)
        let announced = try await db.interviews.scheduleInterview(Self.draft(start: "2027-04-16 09:30"), actor: cliActor, at: Self.now)
        _ = try await db.interviews.changeInterviewStatus(
            id: announced.id, to: .open, actor: host, calendar: WeekdayCalendar(), at: Self.now)

        let noReason = await storeError {
            _ = try await db.interviews.cancelInterview(id: quiet.id, reason: "  ", actor: cliActor, at: Self.now)
        }
        #expect(noReason == .invalid(ValidationFailure([.required("reason")])))
        let viaStatus = await storeError {
            _ = try await db.interviews.changeInterviewStatus(id: quiet.id, to: .cancelled, actor: host, at: Self.now)
        }
        #expect(viaStatus?.description.contains("cancelled with a reason") == true)

        let later = Self.now.addingTimeInterval(3600)
        let cancelled = try await db.interviews.cancelInterview(id: announced.id, reason: " 嘉宾临时公务 ", actor: cliActor, at: later)
        #expect(cancelled.status == .cancelled && cancelled.cancellationReason == "嘉宾临时公务" && cancelled.cancelledAt == later)
        #expect(cancelled.revision == 1 && cancelled.isPublic)
        _ = try await db.interviews.cancelInterview(id: quiet.id, reason: "计划调整", actor: cliActor, at: later)

        let again = await storeError {
            _ = try await db.interviews.cancelInterview(id: announced.id, reason: "再次", actor: cliActor, at: later)
        }
        #expect(
            again
                == .conflict(
                    "interview \(announced.id): an interview that is cancelled cannot be cancelled; only scheduled or open interviews can"))
        let question = await storeError {
            _ = try await db.interviews.submitQuestion(
                interviewID: announced.id,
                NewQuestion(text: "还办吗？", nickname: nil, contact: nil, browserKey: "b", clientAddress: "127.0.0.1"),
                check: ContentFilter.Result(flags: [], personalInformation: [], action: nil), at: later)
        }
        #expect(question == .conflict("this interview is not taking questions (it is cancelled)"))
        let reopen = await storeError {
            _ = try await db.interviews.changeInterviewStatus(id: announced.id, to: .live, actor: host, at: later)
        }
        #expect(reopen == .conflict("interview \(announced.id) cannot go from cancelled to live"))

        // The public sees the announced one, marked; the other was never public.
        #expect(try await db.interviews.interviews(publicOnly: true).map(\.id) == [announced.id])
        #expect(try await db.interviews.interviews(publicOnly: false).count == 2)
        // The plan lists both as cancelled and counts neither. wiring: on
        // PostgreSQL too once the events store there reads these interviews
        // (it is SQLite's stand-in in this branch).
        if backend == .sqlite {
            let planned = try await db.events.plannedEvents(year: 2027)
            #expect(planned.map(\.cancelled) == [true, true])
        }
        let audit = try await db.audit.auditEntries().filter { $0.action == "interview.cancel" }
        #expect(audit.count == 2 && audit.allSatisfy { $0.actorName == "cli:tester" })

        // A live interview cannot be called off.
        let running = try await db.interviews.scheduleInterview(Self.draft(start: "2027-05-16 09:30"), actor: cliActor, at: Self.now)
        _ = try await db.interviews.changeInterviewStatus(id: running.id, to: .live, actor: host, calendar: WeekdayCalendar(), at: later)
        let live = await storeError {
            _ = try await db.interviews.cancelInterview(id: running.id, reason: "太晚了", actor: cliActor, at: later)
        }
        #expect(
            live
                == .conflict(
                    "interview \(running.id): an interview that is live cannot be cancelled; only scheduled or open interviews can"))
    }

    // MARK: The migration

    // SQLite only: this tests an SQLite migration (a table rebuild); the
    // PostgreSQL schema starts at the final table (pg migrations).

    /// Every column `v16` had, for comparing rows across the rebuild.
    static let v16Columns = [
        "id", "title", "summary", "scheduled_start", "planned_minutes", "host_user_id", "status", "last_seq", "created_at", "updated_at",
        "started_at", "ended_at", "published_at", "revision", "announced_at",
    ]

    @Test("v17 rebuilds the interview table of a v16 database with data: rows, ids, index, children and counter kept")
    func migrationFromV16() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = try DatabasePool(
            path: directory.appendingPathComponent("v16.sqlite").path, configuration: AppDatabase.makeConfiguration(logger: nil))
        try Migrations.migrator.migrate(pool, upTo: "v16-events")

        let created = beijing("2027-01-05 10:00")
        let start = beijing("2027-02-01 09:30")
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO department (id, name, created_at) SELECT 1, '办公室', ? WHERE NOT EXISTS (SELECT 1 FROM department WHERE id = 1);
                    INSERT INTO staff_user (id, username, display_name, role, department_id, password_hash, password_changed_at, created_at)
                    VALUES (7, 'host', '主持人', 'host', 1, 'x', ?, ?);
                    """, arguments: [created, created, created])
            for (id, status) in [(1, "scheduled"), (2, "open"), (3, "published"), (4, "ended"), (5, "scheduled")] {
                try db.execute(
                    sql: """
                        INSERT INTO interview (id, title, summary, scheduled_start, planned_minutes, host_user_id, status, last_seq,
                            created_at, updated_at, started_at, ended_at, published_at, revision, announced_at)
                        VALUES (?, ?, '简介', ?, 60, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id, "访谈\(id)", start, id == 3 ? 7 : nil, status, id == 3 ? 2 : 0, created, created,
                        id >= 3 ? start : nil, id >= 3 ? start.addingTimeInterval(3600) : nil,
                        id == 3 ? start.addingTimeInterval(7200) : nil,
                        id, status == "scheduled" ? nil : created,
                    ])
            }
            // Interview 5 is deleted: its id must never be handed out again.
            try db.execute(sql: "DELETE FROM interview WHERE id = 5")
            try db.execute(
                sql: """
                    INSERT INTO interview_guest (interview_id, position, name, title, department) VALUES (3, 0, '张明', '副厅长', '司法厅');
                    INSERT INTO interview_question (id, interview_id, text, browser_key, client_address, state, created_at)
                    VALUES (1, 3, '问题', 'b', '127.0.0.1', 'answered', ?);
                    INSERT INTO transcript_entry (interview_id, seq, kind, author, question_id, body, created_at)
                    VALUES (3, 1, 'question', '网友', 1, '问题', ?), (3, 2, 'answer', '张明', 1, '回答', ?);
                    """, arguments: [start, start, start])
            // A v16 database refuses the new status.
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "UPDATE interview SET status = 'cancelled' WHERE id = 1")
            }
        }
        let list = Self.v16Columns.map { "\"\($0)\"" }.joined(separator: ", ")
        @Sendable func rows(_ db: Database) throws -> [[DatabaseValue]] {
            try Row.fetchAll(db, sql: "SELECT \(list) FROM interview ORDER BY id").map { Array($0.databaseValues) }
        }
        let before = try await pool.read(rows)
        let indexBefore = try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interview' AND sql IS NOT NULL")
        }

        // When the rest of the migrations run, as at the first start of a new build
        let database = try AppDatabase(pool)

        try await pool.read { db in
            #expect(try rows(db) == before)
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM interview WHERE cancellation_reason IS NOT NULL OR cancelled_at IS NOT NULL") == 0)
            #expect(
                try String.fetchAll(
                    db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interview' AND sql IS NOT NULL")
                    == indexBefore)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") == true)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE name = 'new_interview'") == 0)
            // Every child table still points at the interview table.
            for child in [
                "interview_guest", "interview_question", "transcript_entry", "transcript_correction", "transcript_withdrawal_event",
            ] {
                let parents = try String.fetchAll(db, sql: "SELECT \"table\" FROM pragma_foreign_key_list(?)", arguments: [child])
                #expect(parents.contains("interview"), "\(child) → \(parents)")
            }
            #expect(try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'interview'") == 5)
        }
        // The data reads back through the store, guests and transcript included.
        let published = try await database.interviews.interview(id: 3)
        #expect(published.guests.map(\.name) == ["张明"] && published.hostUsername == "host" && published.revision == 3)
        #expect(try await database.interviews.transcriptEvents(interviewID: 3, since: 0).count == 2)

        try await pool.write { db in
            // Foreign keys hold against the rebuilt table.
            #expect(throws: DatabaseError.self) {
                try db.execute(
                    sql: "INSERT INTO interview_guest (interview_id, position, name, title, department) VALUES (42, 0, '某', '', '')")
            }
            // The status CHECK now takes cancelled, only with a reason and a time.
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "UPDATE interview SET status = 'cancelled' WHERE id = 1")
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "UPDATE interview SET status = 'postponed' WHERE id = 1")
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "UPDATE interview SET cancellation_reason = '理由', cancelled_at = ? WHERE id = 1", arguments: [start])
            }
            try db.execute(
                sql: "UPDATE interview SET status = 'cancelled', cancellation_reason = '理由', cancelled_at = ? WHERE id = 1",
                arguments: [start])
        }
        // A new interview gets the id after the deleted one.
        let next = try await database.interviews.scheduleInterview(Self.draft(), actor: cliActor, at: Self.now)
        #expect(next.id == 6)

        // An upgraded database has the same interview table as a new one.
        let fresh = try TemporaryDatabase()
        func schema(_ reader: any DatabaseReader) async throws -> [String] {
            try await reader.read { db in
                try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE tbl_name = 'interview' AND sql IS NOT NULL ORDER BY name")
            }
        }
        #expect(try await schema(pool) == (try await schema(fresh.database.reader)))
    }
}
