import Foundation
import Testing
@testable import WenzhengCore
import WenzhengStore

/// `wenzheng export consultation`, run as a separate process with
/// `CLI.run` on a consultation prepared through the store.
@Suite("wenzheng export consultation")
struct ExportConsultationCommandTests {
    /// An open consultation with two published comments, one of them a
    /// spreadsheet formula, the other decided.
    struct Fixture {
        let temp: TemporaryDirectory
        let db: String
        let id: Int64
        let formulaID: Int64

        init() async throws {
            temp = try TemporaryDirectory()
            db = temp.path("db.sqlite")
            let database = try AppDatabase.openFile(atPath: db)
            let now = Date()
            let root = try await database.accounts.createStaffUser(
                NewStaffUser(username: "root", displayName: "管理员", role: .admin, department: "办公室", passwordHash: "x"),
                actor: .commandLine(osUser: "test"), at: now)
            try await database.accounts.startSession(
                userID: root.id, tokenHash: "export-test", csrfToken: "t", expiresAt: .distantFuture, clientAddress: nil, userAgent: nil,
                at: now)
            let admin = try #require(try await database.accounts.activeSession(tokenHash: "export-test", at: now))
            let store = database.consultations
            let imported = try await store.importConsultation(
                NewConsultation(
                    title: nil, draftingExplanation: "规范律师执业年度考核。", opensAt: now.addingTimeInterval(-3600),
                    closesAt: now.addingTimeInterval(30 * 86_400), text: "律师执业年度考核办法（征求意见稿）\n第一条　为了规范考核，制定本办法。\n第二条　考核每年进行一次。",
                    format: .plainText),
                actor: admin, at: now)
            id = imported.id
            _ = try await store.confirmSplit(id: id, actor: admin, at: now)
            _ = try await store.openConsultation(id: id, actor: admin, at: now)
            var ids: [Int64] = []
            for (target, text) in [(CommentTarget.section("art-2"), "=1+2"), (.wholeDraft, "建议每两年考核一次，减轻负担。")] {
                let (comment, item) = try await store.submitComment(
                    consultationID: id, CommentSubmission(target: target, text: text, nickname: nil),
                    check: ContentFilter.Result(flags: [], personalInformation: [], action: nil), at: now)
                _ = try await database.moderation.decideModeration(id: item.id, .approve(override: false), by: admin, allowedReasons: [], at: now)
                ids.append(comment.id)
            }
            formulaID = ids[0]
            try await store.recordDecision(
                consultationID: id, on: .comment(ids[1]), AdoptionRecord(decision: .notAdopted, reason: "上位法规定每年考核。"), actor: admin,
                at: now)
        }
    }

    @Test("CSV on standard output: the BOM, the Chinese headers, formula cells neutralised")
    func csv() async throws {
        let fixture = try await Fixture()
        let result = try CLI.run(["export", "consultation", String(fixture.id), "--db", fixture.db])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.hasPrefix("\u{FEFF}编号,提交日期,条款,意见内容,分组,分组概述,采纳情况,理由\r\n"))
        let rows = result.output.components(separatedBy: "\r\n")
        #expect(rows[1].hasPrefix("\(fixture.formulaID),") && rows[1].contains(",第二条,'=1+2,"))
        #expect(rows[2].hasSuffix(",全文,建议每两年考核一次，减轻负担。,,,不予采纳,上位法规定每年考核。"))
        let english = try CLI.run(["export", "consultation", String(fixture.id), "--db", fixture.db, "--language", "en"])
        #expect(english.output.hasPrefix("\u{FEFF}id,submitted_on,section,comment,group,group_summary,decision,reason"))
    }

    @Test("JSON into a file with -o, and one-line refusals")
    func jsonAndErrors() async throws {
        let fixture = try await Fixture()
        let file = fixture.temp.path("export.json")
        let result = try CLI.run(["export", "consultation", String(fixture.id), "--format", "json", "-o", file, "--db", fixture.db])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.contains("wrote 2 comment(s) of consultation \(fixture.id) to \(file)"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(document["state"] as? String == "open")
        #expect((document["comments"] as? [[String: Any]])?.map { $0["text"] as? String } == ["=1+2", "建议每两年考核一次，减轻负担。"])

        let unknown = try CLI.run(["export", "consultation", "999", "--db", fixture.db])
        #expect(unknown.status != 0)
        #expect(unknown.error.trimmingCharacters(in: .whitespacesAndNewlines) == "Error: no consultation '999'")
        let format = try CLI.run(["export", "consultation", String(fixture.id), "--format", "xlsx", "--db", fixture.db])
        #expect(format.status != 0 && format.error.contains("xlsx"))
    }
}
