import Foundation
import GRDB
import Testing
import WenzhengCore
@testable import WenzhengStore

/// `wenzheng privacy export|delete`, run as the built executable on a
/// database this test fills through the store; and serve's retention
/// options.
@Suite("wenzheng privacy")
struct PrivacyCommandTests {
    /// A replied letter from 张三 (phone typed with spaces, an attachment
    /// whose file is in the attachments folder) and an open one by e-mail.
    static func database(in temp: TemporaryDirectory) async throws -> (path: String, attachment: URL) {
        let path = temp.path("db.sqlite")
        let db = try AppDatabase.openFile(atPath: path)
        let staff = try await db.accounts.createStaffUser(
            NewStaffUser(username: "office", displayName: "李办", role: .admin, department: "办公室", passwordHash: "hash"),
            actor: .commandLine(osUser: "tester"), at: Date())
        let departmentID = try await db.reader.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM department WHERE name = ?", arguments: ["办公室"])!
        }
        let actor = AuthenticatedStaff(
            userID: staff.id, username: "office", displayName: "李办", role: .admin, departmentID: departmentID, department: "办公室",
            csrfToken: "csrf", sessionExpiresAt: .distantFuture)
        let hash = String(repeating: "b", count: 64)
        let files = try AttachmentFiles(root: temp.url.appendingPathComponent("attachments"))
        let upload = try files.newIncomingFile()
        try Data("%PDF-1.4 test".utf8).write(to: upload)
        try files.keep(upload, hash: hash)
        var letter = NewLetter(
            type: .complaint, subject: "路灯不亮", body: "小区门口的路灯坏了。", authorName: "张三", phone: "138 1234 5678", email: nil,
            mayPublish: false, idempotencyKey: nil, clientAddress: "203.0.113.9")
        letter.attachments = [NewAttachment(sha256: hash, kind: .pdf, byteCount: 13, displayName: "照片.pdf", role: .letter)]
        let replied = try await db.mailbox.submitLetter(letter, passwordHash: "$2b$hash", at: Date()).letter
        _ = try await db.mailbox.rejectLetter(id: replied.id, reason: .duplicate, actor: actor, at: Date())
        _ = try await db.mailbox.submitLetter(
            NewLetter(
                type: .consultation, subject: "咨询", body: "请问法律援助怎么申请？", authorName: "张三", phone: nil, email: "zhang@example.cn",
                mayPublish: false, idempotencyKey: nil, clientAddress: nil), passwordHash: "$2b$hash", at: Date())
        return (path, files.url(for: hash)!)
    }

    @Test("export prints what is held as JSON and is audited; a person with nothing held gets empty lists")
    func export() async throws {
        let temp = try TemporaryDirectory()
        let (db, _) = try await Self.database(in: temp)
        let result = try CLI.run(["privacy", "export", "--db", db, "--phone", "+86 138-1234-5678"])
        #expect(result.status == 0, "\(result.error)")
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        let letters = json?["letters"] as? [[String: Any]]
        #expect(letters?.count == 1)
        #expect(letters?.first?["authorName"] as? String == "张三")
        #expect(letters?.first?["phone"] as? String == "138 1234 5678")
        #expect((letters?.first?["attachments"] as? [[String: Any]])?.first?["displayName"] as? String == "照片.pdf")
        let byEmail = try CLI.run(["privacy", "export", "--db", db, "--email", "ZHANG@example.cn"])
        #expect(byEmail.output.contains("请问法律援助怎么申请？"))
        let nobody = try CLI.run(["privacy", "export", "--db", db, "--email", "nobody@example.cn"])
        #expect(nobody.status == 0 && nobody.output.contains("\"letters\" : [\n\n  ]"))
        let audit = try CLI.run(["audit", "--db", db, "--format", "json"])
        #expect(audit.output.components(separatedBy: "privacy.export").count - 1 == 3)
    }

    @Test("delete lists first and changes nothing; with --yes it erases closed letters and their files, leaves open ones")
    func delete() async throws {
        let temp = try TemporaryDirectory()
        let (db, file) = try await Self.database(in: temp)
        let dryRun = try CLI.run(["privacy", "delete", "--db", db, "--phone", "13812345678"])
        #expect(dryRun.status == 0, "\(dryRun.error)")
        #expect(dryRun.output.contains("张三: 路灯不亮, 1 attachment(s)"))
        #expect(dryRun.output.contains("nothing erased: run again with --yes"))
        #expect(FileManager.default.fileExists(atPath: file.path))

        let erase = try CLI.run(["privacy", "delete", "--db", db, "--phone", "13812345678", "--yes"])
        #expect(erase.status == 0, "\(erase.error)")
        #expect(erase.output.contains("erased: 1 letter(s), 0 registration(s), 0 question contact(s), 0 notice(s), 1 attachment file(s)"))
        #expect(!FileManager.default.fileExists(atPath: file.path))
        let after = try CLI.run(["privacy", "export", "--db", db, "--phone", "13812345678"])
        #expect(!after.output.contains("张三"))
        let audit = try CLI.run(["audit", "--db", db, "--actor", "cli:\(ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName)"])
        #expect(audit.output.contains("letter.personal_data_erase"))

        let open = try CLI.run(["privacy", "delete", "--db", db, "--email", "zhang@example.cn", "--yes"])
        #expect(open.status == 0)
        #expect(open.output.contains("left: letter"))
        #expect(open.output.contains("still being handled (received)"))
    }

    @Test(
        "a request names one person by a phone number or an e-mail address, not both, not neither",
        arguments: [
            ([] as [String], "name the person with --phone or --email"),
            (["--phone", "13812345678", "--email", "a@b.cn"], "give --phone or --email, not both"),
            (["--phone", "call me"], "--phone 'call me' is not a phone number"),
            (["--email", "zhang"], "--email 'zhang' is not an e-mail address"),
        ])
    func refusals(_ arguments: [String], _ message: String) throws {
        for command in ["export", "delete"] {
            let result = try CLI.run(["privacy", command, "--db", "/nonexistent/db.sqlite"] + arguments)
            #expect(result.status == 64)
            #expect(result.error.contains(message), "\(result.error)")
        }
    }

    @Test(
        "serve refuses bad retention years, from the option or the variable",
        arguments: [
            (["--retention-letter-personal-years", "31"], [:] as [String: String]),
            ([], ["WENZHENG_RETENTION_REGISTRATION_PERSONAL_YEARS": "a year"]),
        ] as [([String], [String: String])])
    func serveRefusesBadRetention(_ arguments: [String], _ environment: [String: String]) throws {
        let result = try CLI.run(["serve", "--port", "0", "--web", CLI.webRoot] + arguments, environment: environment)
        #expect(result.status != 0)
        #expect(result.error.contains("personal-years must be a whole number of years from 0 (keep) to 30"), "\(result.error)")
    }
}
