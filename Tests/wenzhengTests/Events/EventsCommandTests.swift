import Foundation
import GRDB
import Testing
import WenzhengCore
import WenzhengStore

/// A temporary database and the dates of next year, for running
/// `schedule`, `events`, `plan` and `export calendar` as an operator would
/// (`CLI.run`, Support/CLI.swift). The commands take the real time as now,
/// so every event is put in next year, on a weekday.
struct EventsFixture {
    let temp: TemporaryDirectory
    let db: String
    static let year = CivilDate(Date()).year + 1

    init() throws {
        temp = try TemporaryDirectory()
        db = temp.path("db.sqlite")
    }

    /// `YYYY-MM-DD` of next year: the first Monday to Friday on or after
    /// `month`/`day`.
    static func weekday(_ month: Int, _ day: Int) -> String {
        var date = CivilDate(year: year, month: month, day: day)
        while date.isWeekend { date = CivilDate(daysSinceEpoch: date.daysSinceEpoch + 1) }
        return date.description
    }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLI.Result {
        try CLI.run(arguments + ["--db", db], environment: environment)
    }

    /// Schedules and returns the id printed (`interview:1`).
    func interview(on day: String, at time: String = "09:30", title: String? = nil, extra: [String] = []) throws -> String {
        let result = try run(["schedule", "interview", "--title", title ?? "访谈 \(day)", "--start", "\(day)T\(time)"] + extra)
        #expect(result.status == 0, "\(result.error)")
        return try #require(result.output.firstMatch(of: /scheduled (interview:\d+)/)).1.description
    }

    func openDay(on day: String, capacity: Int = 50, title: String = "司法行政开放日") throws -> String {
        let result = try run([
            "schedule", "open-day", "--title", title, "--start", "\(day)T09:30", "--duration", "2h30m", "--location", "南京市北京西路28号",
            "--capacity", String(capacity), "--programme", "参观法律援助中心；座谈",
        ])
        #expect(result.status == 0, "\(result.error)")
        return try #require(result.output.firstMatch(of: /scheduled (open-day:\d+)/)).1.description
    }

    var database: AppDatabase { get throws { try AppDatabase.openFile(atPath: db) } }

    func outbox() throws -> [OutboxMessage] {
        try database.reader.read { db in try OutboxMessage.order(Column("id")).fetchAll(db) }
    }

    func listJSON() throws -> [[String: Any]] {
        let result = try run(["events", "list", "--format", "json"])
        #expect(result.status == 0, "\(result.error)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
    }
}

@Suite("wenzheng schedule and events")
struct EventsCommandTests {
    @Test("schedule interview: the id and public URL, the host and guests as the staff page stores them, the command line in the audit log")
    func scheduleInterview() throws {
        let fixture = try EventsFixture()
        let user = try CLI.run(
            ["users", "add", "wang.li", "--role", "host", "--password-stdin", "--db", fixture.db], input: "password-12345\n")
        #expect(user.status == 0, "\(user.error)")

        let day = EventsFixture.weekday(3, 16)
        let scheduled = try fixture.run([
            "schedule", "interview", "--title", "法律援助惠民生", "--start", "\(day)T09:30", "--duration", "90m",
            "--guest", "张明|副厅长|江苏省司法厅", "--guest", "李华||法律援助处", "--host", "wang.li", "--summary", "介绍法律援助新规",
            "--base-url", "https://wenzheng.example.gov.cn",
        ])
        #expect(scheduled.status == 0, "\(scheduled.error)")
        #expect(scheduled.output.contains("scheduled interview:1: 法律援助惠民生, \(day) 09:30–11:00 Beijing time"))
        #expect(scheduled.output.contains("public page: https://wenzheng.example.gov.cn/interviews/1 "))
        #expect(scheduled.error.isEmpty)

        let database = try fixture.database
        let interview = try database.reader.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT interview.status || ' ' || planned_minutes || ' ' || revision || ' ' || summary || ' ' || staff_user.username
                    FROM interview JOIN staff_user ON staff_user.id = interview.host_user_id WHERE interview.id = 1
                    """)
        }
        #expect(interview == "scheduled 90 0 介绍法律援助新规 wang.li")
        let guests = try database.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT name, title, department FROM interview_guest WHERE interview_id = 1 ORDER BY position")
                .map { "\($0["name"] as String)|\($0["title"] as String)|\($0["department"] as String)" }
        }
        #expect(guests == ["张明|副厅长|江苏省司法厅", "李华||法律援助处"])
        let audit = try database.reader.read { db in
            try String.fetchAll(db, sql: "SELECT actor_name FROM audit_entry WHERE action = 'interview.create'")
        }
        #expect(audit.count == 1 && audit[0].hasPrefix("cli:"))

        // The base URL from the environment, and JSON for scripts.
        let json = try fixture.run(
            ["schedule", "interview", "--title", "第二场", "--start", "\(EventsFixture.weekday(6, 15))T14:00", "--format", "json"],
            environment: ["WENZHENG_BASE_URL": "https://wz.example/"])
        #expect(json.status == 0, "\(json.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["id"] as? String == "interview:2" && object["url"] as? String == "https://wz.example/interviews/2")
        #expect(object["durationMinutes"] as? Int == 90 && object["status"] as? String == "scheduled")
        // Without either, the default address.
        let plain = try fixture.run(["schedule", "interview", "--title", "第三场", "--start", "\(EventsFixture.weekday(9, 15))T14:00"])
        #expect(plain.output.contains("public page: http://127.0.0.1:8080/interviews/3 "))
    }

    @Test("schedule open-day: the id, the /events URL, the seats and the registration window")
    func scheduleOpenDay() throws {
        let fixture = try EventsFixture()
        let day = EventsFixture.weekday(5, 20)
        let result = try fixture.run([
            "schedule", "open-day", "--title", "司法行政开放日", "--start", "\(day)T09:30", "--duration", "2h30m", "--location",
            "南京市北京西路28号", "--capacity", "50", "--programme", "参观", "--registration-opens", "\(EventsFixture.weekday(4, 1))T09:00",
        ])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("scheduled open-day:1: 司法行政开放日, \(day) 09:30–12:00 Beijing time"))
        #expect(result.output.contains("at 南京市北京西路28号; 50 seats"))
        #expect(result.output.contains("registration from \(EventsFixture.weekday(4, 1))T09:00 until "))
        #expect(result.output.contains("public page: http://127.0.0.1:8080/events/1\n"))

        let file = fixture.temp.path("programme.txt")
        try Data("09:30 参观\n10:30 座谈".utf8).write(to: URL(fileURLWithPath: file))
        let fromFile = try fixture.run([
            "schedule", "open-day", "--title", "第二次开放日", "--start", "\(EventsFixture.weekday(10, 20))T14:00", "--duration", "2h",
            "--location", "省司法厅", "--capacity", "30", "--programme-file", file, "--format", "json",
        ])
        #expect(fromFile.status == 0, "\(fromFile.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(fromFile.output.utf8)) as? [String: Any])
        #expect(object["id"] as? String == "open-day:2" && object["kind"] as? String == "open_day")
        #expect((object["openDay"] as? [String: Any])?["capacity"] as? Int == 30)
        let programme = try fixture.database.reader.read { db in try String.fetchOne(db, sql: "SELECT programme FROM open_day WHERE id = 2")
        }
        #expect(programme == "09:30 参观\n10:30 座谈")
    }

    @Test("bad input: each refusal says what is wrong with an example, all at once, exit 65 (64 for the command line), nothing stored")
    func badInput() throws {
        let fixture = try EventsFixture()
        let day = EventsFixture.weekday(3, 16)
        func interview(_ extra: [String]) throws -> CLI.Result {
            try fixture.run(["schedule", "interview", "--title", "访谈"] + extra)
        }
        func openDay(_ extra: [String]) throws -> CLI.Result {
            try fixture.run(["schedule", "open-day", "--title", "开放日", "--location", "厅", "--programme", "参观"] + extra)
        }
        func expectRefused(_ result: CLI.Result, status: Int32 = 65, _ parts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(result.status == status, "\(result.error)", sourceLocation: sourceLocation)
            #expect(result.output.isEmpty, sourceLocation: sourceLocation)
            for part in parts {
                #expect(result.error.contains(part), "missing '\(part)' in: \(result.error)", sourceLocation: sourceLocation)
            }
        }

        let pastYear = EventsFixture.year - 2
        expectRefused(
            try interview(["--start", "\(pastYear)-03-16T09:30"]), ["Error: --start \(pastYear)-03-16T09:30 is in the past", "for example"])
        expectRefused(try interview(["--start", "tomorrow"]), ["'tomorrow' is not a time", "for example 2027-03-16T09:30"])
        expectRefused(try interview(["--start", day]), ["the time of day is missing", "for example 2027-03-16T09:30"])
        expectRefused(try interview(["--start", "\(day)T25:00"]), ["there is no such time of day"])
        expectRefused(
            try interview(["--start", "\(day)T09:30", "--duration", "ninety"]), ["'ninety' is not a duration", "for example 90m, 1h30m"])
        expectRefused(try interview(["--start", "\(day)T09:30", "--duration", "90s"]), ["'90s' is not whole minutes", "for example 90m"])
        expectRefused(
            try interview(["--start", "\(day)T09:30", "--duration", "5m"]),
            ["an interview lasts from 10m to 8h, for example --duration 90m"])
        expectRefused(
            try interview(["--start", "\(day)T09:30", "--guest", "张明|副厅长|司法厅|多余"]), ["has 4 parts", "for example 张明|副厅长|江苏省司法厅"])
        expectRefused(try interview(["--start", "\(day)T09:30", "--guest", "|副厅长|"]), ["the guest's name is missing"])
        expectRefused(try interview(["--start", "\(day)T09:30", "--host", "nobody"]), ["no active staff account 'nobody'"])
        expectRefused(try interview(["--start", "\(day)T09:30", "--base-url", "ftp://x"]), ["--base-url must be an http or https address"])
        // Every problem of one command line at once, one line each.
        let several = try interview(["--start", "\(pastYear)-01-01T09:00", "--duration", "soon", "--guest", ""])
        expectRefused(several, ["is in the past", "'soon' is not a duration", "the guest's name is missing"])
        #expect(several.error.split(separator: "\n").count == 3)

        expectRefused(
            try openDay(["--start", "\(day)T09:30", "--duration", "2h", "--capacity", "0"]),
            ["capacity must be a number of seats from 1 to 2000, for example --capacity 50"])
        expectRefused(
            try openDay(["--start", "\(day)T09:30", "--duration", "2h", "--capacity=-3"]),
            ["capacity must be a number of seats from 1 to 2000"])
        expectRefused(try openDay(["--start", "\(day)T09:30", "--duration", "2h", "--capacity", "fifty"]), status: 64, ["fifty"])
        expectRefused(
            try openDay(["--start", "\(day)T09:30", "--duration", "20m", "--capacity", "40"]), ["an open day lasts from 30m to 12h"])
        expectRefused(
            try openDay(["--start", "\(day)T09:30", "--duration", "2h", "--capacity", "40", "--registration-closes", "\(day)T10:00"]),
            ["registration must close by the start"])
        expectRefused(try openDay(["--start", "\(day)T09:30", "--duration", "2h"]), status: 64, ["--capacity"])
        expectRefused(try fixture.run(["schedule", "interview", "--start", "\(day)T09:30"]), status: 64, ["--title"])

        #expect(try fixture.listJSON().isEmpty)
        let audit = try fixture.database.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_entry") }
        #expect(audit == 0)
    }

    @Test("events list: interviews and open days together by start, as a table and as JSON, with seats and the waitlist")
    func list() async throws {
        let fixture = try EventsFixture()
        let empty = try fixture.run(["events", "list"])
        #expect(empty.status == 0 && empty.output.contains("no interviews or open days"))

        let late = try fixture.interview(on: EventsFixture.weekday(6, 16), title: "六月访谈")
        let openDay = try fixture.openDay(on: EventsFixture.weekday(4, 20), capacity: 3)
        let early = try fixture.interview(on: EventsFixture.weekday(3, 16), title: "三月访谈")
        #expect([late, openDay, early] == ["interview:1", "open-day:1", "interview:2"])
        let database = try fixture.database
        for (n, size) in [(1, 2), (2, 1), (3, 2)] {
            _ = try await database.events.register(
                openDayID: 1, RegistrationForm(name: "访客\(n)", phone: "1390000000\(n)", partySize: size), actor: .visitor(), at: Date())
        }

        let table = try fixture.run(["events", "list"])
        #expect(table.status == 0, "\(table.error)")
        let lines = table.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(
            lines[0].hasPrefix("ID ") && lines[0].contains("KIND") && lines[0].contains("START (BEIJING)") && lines[0].hasSuffix("SEATS"))
        #expect(
            lines[1].hasPrefix("interview:2 ") && lines[1].contains("三月访谈") && lines[1].contains("\(EventsFixture.weekday(3, 16)) 09:30"))
        #expect(lines[1].contains("1h30m") && lines[1].contains("scheduled"))
        #expect(lines[2].hasPrefix("open-day:1 ") && lines[2].contains("open day") && lines[2].hasSuffix("3/3 +2 waiting"))
        #expect(lines[3].hasPrefix("interview:1 ") && lines[3].contains("六月访谈"))

        let json = try fixture.listJSON()
        #expect(json.map { $0["id"] as? String } == ["interview:2", "open-day:1", "interview:1"])
        #expect(json[0]["start"] as? String == "\(EventsFixture.weekday(3, 16))T09:30:00+08:00")
        let seats = try #require(json[1]["openDay"] as? [String: Any])
        #expect(seats["seatsTaken"] as? Int == 3 && seats["seatsLeft"] as? Int == 0)
        #expect(seats["waitlistedPeople"] as? Int == 2 && seats["waitlistedParties"] as? Int == 1)
        #expect(json[1]["url"] as? String == "http://127.0.0.1:8080/events/1")

        let otherYear = try fixture.run(["events", "list", "--year", String(EventsFixture.year + 1)])
        #expect(otherYear.output.contains("no interviews or open days in \(EventsFixture.year + 1)"))
        let thisYear = try fixture.run(["events", "list", "--year", String(EventsFixture.year), "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(thisYear.output.utf8)) as? [Any])?.count == 3)
    }

    @Test(
        "reschedule and cancel: an open day's visitors are noticed through the outbox, one per live registration; an interview's revision rises"
    )
    func rescheduleAndCancel() async throws {
        let fixture = try EventsFixture()
        let interview = try fixture.interview(on: EventsFixture.weekday(3, 16))
        let openDay = try fixture.openDay(on: EventsFixture.weekday(5, 20), capacity: 2)
        let database = try fixture.database
        var codes: [ConfirmationCode] = []
        for (n, email) in [(1, "a@example.cn"), (2, nil), (3, "c@example.cn"), (4, "d@example.cn")] {
            codes.append(
                try await database.events.register(
                    openDayID: 1, RegistrationForm(name: "访客\(n)", phone: "1390000000\(n)", email: email, partySize: 1),
                    actor: .visitor(), at: Date()
                ).code)
        }
        // Visitor 4 cancels: three live registrations remain (two seated, one waiting).
        _ = try await database.events.cancelRegistration(openDayID: 1, code: codes[3], actor: .visitor(), at: Date())
        let before = try fixture.outbox().count

        let newDay = EventsFixture.weekday(5, 27)
        let moved = try fixture.run(["events", "reschedule", openDay, "--start", "\(newDay)T14:00", "--duration", "3h"])
        #expect(moved.status == 0, "\(moved.error)")
        #expect(moved.output.contains("rescheduled open-day:1: 司法行政开放日, \(newDay) 14:00–17:00 Beijing time (revision 1)"))
        #expect(moved.output.contains("visitors to notify: 3 (2 by e-mail, 1 without an e-mail address: only logged)"))
        var outbox = try fixture.outbox().dropFirst(before)
        #expect(outbox.count == 3 && outbox.allSatisfy { $0.kind == "open_day.rescheduled" && $0.sentAt == nil })
        #expect(outbox.compactMap(\.recipient).sorted() == ["a@example.cn", "c@example.cn"])

        let cancelled = try fixture.run(["events", "cancel", openDay, "--reason", "场馆维修", "--format", "json"])
        #expect(cancelled.status == 0, "\(cancelled.error)")
        let change = try #require(try JSONSerialization.jsonObject(with: Data(cancelled.output.utf8)) as? [String: Any])
        #expect(change["notices"] as? [String: Int] == ["visitors": 3, "withoutEmail": 1])
        #expect((change["event"] as? [String: Any])?["status"] as? String == "cancelled")
        outbox = try fixture.outbox().dropFirst(before + 3)
        #expect(outbox.count == 3 && outbox.allSatisfy { $0.kind == "open_day.cancelled" && $0.body.contains("场馆维修") })

        // A cancelled open day stays as it is.
        let again = try fixture.run(["events", "reschedule", openDay, "--start", "\(newDay)T09:00"])
        #expect(again.status == 1 && again.error == "Error: an open day that is cancelled cannot become rescheduled\n")
        #expect(try fixture.outbox().count == before + 6)

        let interviewDay = EventsFixture.weekday(3, 23)
        let movedInterview = try fixture.run(["events", "reschedule", interview, "--start", "\(interviewDay)T10:00"])
        #expect(movedInterview.status == 0, "\(movedInterview.error)")
        #expect(
            movedInterview.output
                == "rescheduled interview:1: 访谈 \(EventsFixture.weekday(3, 16)), \(interviewDay) 10:00–11:30 Beijing time (revision 1)\n")
        let dropped = try fixture.run(["events", "cancel", interview, "--reason", "嘉宾临时公务"])
        #expect(dropped.status == 0 && dropped.output.contains("cancelled interview:1: 访谈") && dropped.output.contains("reason: 嘉宾临时公务"))
        let listed = try fixture.listJSON()
        #expect(listed[0]["status"] as? String == "cancelled" && listed[0]["revision"] as? Int == 2)
        #expect(listed[0]["cancellationReason"] as? String == "嘉宾临时公务")
        let twice = try fixture.run(["events", "cancel", interview, "--reason", "再取消"])
        #expect(twice.status == 1 && twice.error.contains("an interview that is cancelled cannot be cancelled"))
        let other = try fixture.interview(on: EventsFixture.weekday(4, 13))
        let noReason = try fixture.run(["events", "cancel", other, "--reason", " "])
        #expect(noReason.status == 65 && noReason.error.contains("reason is required"))
        let past = try fixture.run(["events", "reschedule", openDay, "--start", "2001-01-01T09:00"])
        #expect(past.status == 65 && past.error.contains("is in the past"))
    }

    @Test("ids name their kind; an unknown id exits 66, a malformed one 64")
    func ids() throws {
        let fixture = try EventsFixture()
        _ = try fixture.interview(on: EventsFixture.weekday(3, 16))
        let unknown = try fixture.run(["events", "cancel", "interview:99", "--reason", "x"])
        #expect(unknown.status == 66)
        #expect(unknown.error == "Error: there is no interview interview:99; wenzheng events list shows the ids\n")
        let unknownOpenDay = try fixture.run(["events", "reschedule", "open-day:1", "--start", "\(EventsFixture.weekday(5, 1))T09:00"])
        #expect(unknownOpenDay.status == 66 && unknownOpenDay.error.contains("there is no open day open-day:1"))
        for (id, message) in [
            ("1", "does not say which kind of event"), ("meeting:1", "'meeting' is not a kind of event"),
            ("interview:one", "'one' is not an event number"), ("interview:0", "'0' is not an event number"),
        ] {
            let result = try fixture.run(["events", "cancel", id, "--reason", "x"])
            #expect(result.status == 64, "\(id)")
            #expect(result.error.contains(message) && result.error.contains("interview:12 or open-day:3"), "\(result.error)")
        }
        // Other spellings of the kind are read too.
        #expect(try fixture.run(["events", "cancel", "Interview:1", "--reason", "x"]).status == 0)
        #expect(try fixture.run(["events", "cancel", "open_day:7", "--reason", "x"]).status == 66)
    }
}
