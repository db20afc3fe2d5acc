import Foundation
import GRDB
import Testing
import WenzhengCore
@testable import WenzhengStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Letter notices from the command line: departments' notice addresses,
/// the digest made on demand, and a server whose mail server cannot be
/// reached.
@Suite("wenzheng departments and notifications", .serialized)
struct LetterNoticeCommandTests {
    static func addHandler(_ db: String, _ username: String, department: String) throws {
        let added = try CLI.run(
            ["users", "add", username, "--role", "handler", "--department", department, "--db", db, "--password-stdin"],
            input: "password-12345\n")
        #expect(added.status == 0, "\(added.error)")
    }

    @Test("departments set-email validates, lists and removes a department's address")
    func departments() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        try Self.addHandler(db, "city", department: "城建处")

        let set = try CLI.run(["departments", "set-email", "城建处", "cjc@sft.example.cn", "--db", db])
        #expect(set.status == 0, "\(set.error)")
        #expect(set.output.contains("notices for 城建处 go to cjc@sft.example.cn"))
        let list = try CLI.run(["departments", "list", "--db", db])
        #expect(list.output.contains("城建处") && list.output.contains("cjc@sft.example.cn"), "\(list.output)")

        for (arguments, message) in [
            (["城建处", "not-an-address"], "'not-an-address' is not an e-mail address"),
            (["城建处", "a@b.cn\r\nRCPT TO:<x@y.cn>"], "is not an e-mail address"),
            (["城建处"], "give an e-mail address, or --none to remove it"),
            (["城建处", "a@b.cn", "--none"], "give an e-mail address or --none, not both"),
            (["外交部", "a@b.cn"], "外交部"),
        ] {
            let refused = try CLI.run(["departments", "set-email"] + arguments + ["--db", db])
            #expect(refused.status != 0, "\(arguments)")
            let line = String(refused.error.split(separator: "\n").first ?? "")
            #expect(line.hasPrefix("Error: ") && line.contains(message), "\(refused.error)")
        }
        let json = try CLI.run(["departments", "list", "--db", db, "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        #expect(rows?.first { $0["name"] as? String == "城建处" }?["email"] as? String == "cjc@sft.example.cn")

        let removed = try CLI.run(["departments", "set-email", "城建处", "--none", "--db", db])
        #expect(removed.status == 0 && removed.output.contains("城建处 has no notice address"))
        let audit = try AppDatabase.openFile(atPath: db).reader.read { db in
            try String.fetchAll(db, sql: "SELECT action FROM audit_entry WHERE action = 'department.notice_email'")
        }
        #expect(audit.count == 2)
    }

    @Test("notifications digest makes a day's digest once, with links to the given address")
    func digest() async throws {
        let temp = try TemporaryDirectory()
        let path = temp.path("db.sqlite")
        try Self.addHandler(path, "clerk", department: "办公室")
        try Self.addHandler(path, "city", department: "城建处")
        #expect(try CLI.run(["departments", "set-email", "城建处", "cjc@sft.example.cn", "--db", path]).status == 0)

        // A consultation (5 working days) received Monday 2026-11-16 is due on the 23rd.
        let database = try AppDatabase.openFile(atPath: path)
        let received = OfficeDateTime(date: CivilDate(year: 2026, month: 11, day: 16), hour: 9, minute: 0).instant()
        let letter = try await database.mailbox.submitLetter(
            NewLetter(
                type: .consultation, subject: "法律援助怎么申请", body: "请问需要哪些材料？", authorName: "李四", phone: "13812345678", email: nil,
                mayPublish: false, idempotencyKey: nil, clientAddress: "203.0.113.9"),
            passwordHash: "$2b$04$notarealhash", at: received
        ).letter
        let clerk = try #require(try await database.accounts.staffUsers().first { $0.username == "clerk" })
        let office = try #require(try await database.accounts.department(named: "办公室"))
        let city = try #require(try await database.accounts.department(named: "城建处"))
        let actor = AuthenticatedStaff(
            userID: clerk.id, username: "clerk", displayName: "clerk", role: .handler, departmentID: office.id, department: office.name,
            csrfToken: "x", sessionExpiresAt: .distantFuture)
        _ = try await database.mailbox.acceptLetter(id: letter.id, actor: actor, at: received)
        _ = try await database.mailbox.assignLetter(id: letter.id, lead: city.id, actor: actor, at: received)

        let made = try CLI.run(
            ["notifications", "digest", "--date", "2026-11-19", "--db", path], environment: ["WENZHENG_BASE_URL": "https://wz.example.cn"])
        #expect(made.status == 0, "\(made.error)")
        #expect(made.output.contains("城建处: 1 letters (0 overdue) in the outbox"), "\(made.output)")
        let body = try await database.reader.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM outbox_message WHERE kind = 'letter.digest' AND recipient = 'cjc@sft.example.cn'")
        }
        #expect(body?.contains(letter.number) == true)
        #expect(body?.contains("https://wz.example.cn/office/letters/\(letter.id)") == true, "\(body ?? "")")

        let again = try CLI.run(["notifications", "digest", "--date", "2026-11-19", "--db", path])
        #expect(again.status == 0 && again.output.contains("no digest to make for 2026-11-19"), "\(again.output)")
        for (arguments, message) in [
            (["--date", "2026-11-31"], "--date must be a day like 2027-03-16, not '2026-11-31'"),
            (["--date", "tomorrow"], "--date must be a day like"),
            (["--base-url", "ftp://x"], "--base-url must be an http or https address"),
        ] {
            let refused = try CLI.run(["notifications", "digest", "--db", path] + arguments)
            let line = String(refused.error.split(separator: "\n").first ?? "")
            #expect(refused.status != 0 && line.hasPrefix("Error: ") && line.contains(message), "\(refused.error)")
        }
        let digests = try await database.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM letter_digest") }
        #expect(digests == 1)
    }

    @Test("a mail server that cannot be reached does not stop the server: it stays up and the notice waits for its retry")
    func unreachableMailServer() async throws {
        let temp = try TemporaryDirectory()
        let db = try await databaseWithDueNotice(
            in: temp, kind: "letter.replied", recipient: "citizen@example.cn", subject: "您的来信已答复", body: "信件编号：2026-123456789",
            about: ("letter", "1"))
        // Nothing listens on port 1.
        let server = try RunningServer(
            ["serve", "--db", db, "--port", "0", "--web", CLI.webRoot, "--smtp-url", "smtp://127.0.0.1:1", "--mail-from", "noreply@sft.example.cn"],
            environment: ["WENZHENG_OUTBOX_INTERVAL": "100ms"])
        defer { server.stop() }
        var attempt: Row?
        let deadline = Date().addingTimeInterval(20)
        while attempt == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            var configuration = Configuration()
            configuration.readonly = true
            let reader = try DatabaseQueue(path: db, configuration: configuration)
            attempt = try await reader.read { db in
                try Row.fetchOne(db, sql: "SELECT attempts, last_error, sent_at, abandoned_at, next_attempt_at FROM outbox_message WHERE attempts > 0")
            }
            try reader.close()
        }
        let row = try #require(attempt)
        #expect(row["sent_at"] == nil && row["abandoned_at"] == nil)
        #expect((row["last_error"] as String?)?.isEmpty == false)
        #expect(server.process.isRunning)
        let (_, response) = try await URLSession.shared.data(from: URL(string: server.base + "healthz")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }
}
