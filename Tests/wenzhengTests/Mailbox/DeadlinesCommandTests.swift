import Foundation
import Testing
import WenzhengCore
import WenzhengStore

/// `wenzheng deadlines`, run as a separate process with `CLI.run` (see
/// CommandLineTests.swift) on a database prepared through the store.
@Suite("wenzheng deadlines")
struct DeadlinesCommandTests {
    /// Three open letters whose flags do not depend on today's date:
    /// one received in 2025 (overdue, led by 城建处, a subject that needs
    /// CSV quoting), one received in 2099 counting into 2100, which has no
    /// holiday notice (provisional), and one paused in 2099.
    struct Fixture {
        let temp: TemporaryDirectory
        let db: String
        let overdue: LetterView
        let provisional: LetterView
        let paused: LetterView

        init() async throws {
            temp = try TemporaryDirectory()
            db = temp.path("db.sqlite")
            let database = try AppDatabase.openFile(atPath: db)
            let cli = AuditActor.commandLine(osUser: "test")
            let admin = try await database.accounts.createStaffUser(
                NewStaffUser(username: "admin", displayName: "管理员", role: .admin, department: "办公室", passwordHash: "hash"),
                actor: cli, at: Date())
            try await database.accounts.createStaffUser(
                NewStaffUser(username: "city", displayName: "王城", role: .handler, department: "城建处", passwordHash: "hash"),
                actor: cli, at: Date())
            // The store acts for a signed-in staff member: sign the admin in.
            try await database.accounts.startSession(
                userID: admin.id, tokenHash: "token-hash", csrfToken: "csrf", expiresAt: .distantFuture, clientAddress: nil,
                userAgent: nil, at: Date())
            let actor = try #require(try await database.accounts.activeSession(tokenHash: "token-hash", at: Date()))
            let city = try #require(try await database.accounts.department(named: "城建处"))

            overdue = try await Self.letter(database, .complaint, #"路灯, "不亮""#, at: "2025-01-02")
            _ = try await database.mailbox.acceptLetter(id: overdue.id, actor: actor, at: Self.instant("2025-01-02"))
            _ = try await database.mailbox.assignLetter(id: overdue.id, lead: city.id, actor: actor, at: Self.instant("2025-01-02"))
            provisional = try await Self.letter(database, .consultation, "咨询", at: "2099-12-28")
            paused = try await Self.letter(database, .informationDisclosure, "申请公开", at: "2099-06-01")
            _ = try await database.mailbox.pauseLetter(id: paused.id, reason: .thirdParty, note: "征求第三方意见", actor: actor, at: Self.instant("2099-06-02"))
        }

        static func letter(_ database: AppDatabase, _ type: LetterType, _ subject: String, at day: String) async throws -> LetterView {
            try await database.mailbox.submitLetter(
                NewLetter(
                    type: type, subject: subject, body: "正文", authorName: "张三", phone: "13812345678", email: nil,
                    mayPublish: false, idempotencyKey: nil, clientAddress: nil),
                passwordHash: "hash", at: instant(day)
            ).letter
        }

        static func instant(_ day: String) -> Date {
            let formatter = ISO8601DateFormatter()
            return formatter.date(from: "\(day)T02:00:00Z")!  // 10:00 in Beijing
        }
    }

    @Test("table, csv and json list the open letters with their flags")
    func formats() async throws {
        let fixture = try await Fixture()
        let table = try CLI.run(["deadlines", "--db", fixture.db])
        #expect(table.status == 0, "\(table.error)")
        let lines = table.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("NUMBER") == true)
        #expect(lines.first?.contains("FLAGS") == true)
        #expect(lines.count == 4)
        let overdueLine = try #require(lines.first { $0.hasPrefix(fixture.overdue.number) })
        #expect(overdueLine.contains("城建处"))
        #expect(overdueLine.contains("overdue"))
        #expect(overdueLine.contains("complaint"))
        #expect(lines.first { $0.hasPrefix(fixture.provisional.number) }?.hasSuffix("provisional") == true)
        #expect(lines.first { $0.hasPrefix(fixture.paused.number) }?.hasSuffix("paused") == true)

        let csv = try CLI.run(["deadlines", "--db", fixture.db, "--format", "csv"])
        #expect(csv.status == 0, "\(csv.error)")
        #expect(csv.output.hasSuffix("\r\n"))
        let records = csv.output.components(separatedBy: "\r\n").dropLast()
        #expect(records.count == 4)
        #expect(
            records.first
                == "number,type,state,department,received,due,working_days_left,provisional,paused,overdue,subject")
        let overdueRecord = try #require(records.first { $0.hasPrefix(fixture.overdue.number) })
        #expect(overdueRecord.hasPrefix("\(fixture.overdue.number),complaint,assigned,城建处,2025-01-02,\(fixture.overdue.dueOn!),"))
        #expect(overdueRecord.hasSuffix(#",false,false,true,"路灯, ""不亮""""#))
        let pausedRecord = try #require(records.first { $0.hasPrefix(fixture.paused.number) })
        #expect(pausedRecord.contains(",information_disclosure,received,,2099-06-01,,"))

        let json = try CLI.run(["deadlines", "--db", fixture.db, "--format", "json"])
        #expect(json.status == 0, "\(json.error)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        #expect(rows.count == 3)
        // Soonest first, paused last.
        #expect(rows.compactMap { $0["number"] as? String } == [fixture.overdue.number, fixture.provisional.number, fixture.paused.number])
        #expect(rows[0]["overdue"] as? Bool == true)
        #expect((rows[0]["workingDaysLeft"] as? Int ?? 0) < 0)
        #expect(rows[1]["provisional"] as? Bool == true)
        #expect(rows[2]["paused"] as? Bool == true)
        #expect(rows[2]["workingDaysLeft"] as? Int == 19)
    }

    @Test("--overdue, --due-within and --department narrow the list")
    func filters() async throws {
        let fixture = try await Fixture()
        func numbers(_ arguments: [String]) throws -> [String] {
            let result = try CLI.run(["deadlines", "--db", fixture.db, "--format", "json"] + arguments)
            #expect(result.status == 0, "\(result.error)")
            let rows = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]] ?? []
            return rows.compactMap { $0["number"] as? String }
        }
        #expect(try numbers(["--overdue"]) == [fixture.overdue.number])
        #expect(try numbers(["--due-within", "1"]) == [fixture.overdue.number])
        #expect(try numbers(["--due-within", "365"]) == [fixture.overdue.number])
        #expect(try numbers(["--department", "城建处"]) == [fixture.overdue.number])
        #expect(try numbers(["--department", "城建处", "--overdue"]) == [fixture.overdue.number])
        #expect(try numbers(["--department", "办公室"]).isEmpty)
        let none = try CLI.run(["deadlines", "--db", fixture.db, "--department", "办公室"])
        #expect(none.output == "no open letters match\n")
    }

    @Test("bad options get a one-line reason and a failing status")
    func badOptions() async throws {
        let fixture = try await Fixture()
        let both = try CLI.run(["deadlines", "--db", fixture.db, "--overdue", "--due-within", "3"])
        #expect(both.status != 0)
        #expect(both.error.contains("--overdue and --due-within cannot be used together"))
        for bad in ["0", "366", "1000"] {
            let result = try CLI.run(["deadlines", "--db", fixture.db, "--due-within", bad])
            #expect(result.status != 0, "--due-within \(bad)")
            #expect(result.error.contains("--due-within must be 1 to 365"), "\(result.error)")
        }
        let notANumber = try CLI.run(["deadlines", "--db", fixture.db, "--due-within", "soon"])
        #expect(notANumber.status != 0)
        #expect(try CLI.run(["deadlines", "--db", fixture.db, "--due-within=-2"]).status != 0)
        let format = try CLI.run(["deadlines", "--db", fixture.db, "--format", "xml"])
        #expect(format.status != 0)
        #expect(format.error.contains("xml"))
        let unknown = try CLI.run(["deadlines", "--db", fixture.db, "--department", "财务处"])
        #expect(unknown.status != 0)
        let message = unknown.error.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!message.contains("\n"), "\(message)")
        #expect(message.contains("no department named '财务处'"))
        #expect(message.contains("城建处"))
        #expect(unknown.output.isEmpty)
    }
}
