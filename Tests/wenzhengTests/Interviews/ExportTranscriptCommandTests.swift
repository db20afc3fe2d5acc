import Foundation
import Testing
import WenzhengCore
import WenzhengStore
import WenzhengTestFixtures

/// A Beijing time: `beijing("2027-03-16T09:30")`.
func beijing(_ text: String) -> Date {
    guard let date = try? OfficeTimeText.parse(text) else { fatalError("bad test time \(text)") }
    return date
}

/// A database with interviews driven through the store: one ended with a
/// corrected answer to a hostile question and a later answer (补录), one
/// still live, one not announced.
struct TranscriptDatabase {
    /// A quote before a combining mark, a ZWJ, a script tag, Markdown at
    /// the start of a line.
    static let hostileQuestion = "\"\u{301} onmouseover=\"x <script>alert(1)</script>\n# 标题 a\u{200D}b"
    static let hostileAnswer = "'\u{200D}<img src=x onerror=y> [链接](javascript:alert(1)) \"\u{FE0F}"

    let temp: TemporaryDirectory
    let db: String
    let database: AppDatabase
    let ended: Int64
    let live: Int64
    let scheduled: Int64

    init() async throws {
        temp = try TemporaryDirectory()
        db = temp.path("db.sqlite")
        let database = try AppDatabase.openFile(atPath: db)
        self.database = database
        let admin = try await Self.staff(database, "root", .admin)
        let host = try await Self.staff(database, "host", .host)
        let interviews = database.interviews

        func interview(_ title: String) async throws -> Int64 {
            try await interviews.createInterview(
                InterviewDraft(
                    title: title, summary: "介绍法律援助的申请条件和流程。\n\n欢迎提问。", scheduledStart: beijing("2027-03-16T09:30"),
                    plannedMinutes: 90, hostUsername: nil,
                    guests: [InterviewGuest(name: "张明", title: "副厅长", department: "江苏省司法厅")]),
                actor: host, at: beijing("2027-03-01T09:00")
            ).id
        }
        func ask(_ id: Int64, _ text: String, nickname: String?, at time: String) async throws -> Int64 {
            let (question, item) = try await interviews.submitQuestion(
                interviewID: id, NewQuestion(text: text, nickname: nickname, contact: nil, browserKey: "b", clientAddress: "127.0.0.1"),
                check: ModerationFixtures.plainFilter.check(text), at: beijing(time))
            _ = try await database.moderation.decideModeration(
                id: item.id, .approve(override: true), by: admin, allowedReasons: [], at: beijing(time))
            return question.id
        }
        func status(_ id: Int64, _ status: InterviewStatus, at time: String) async throws {
            _ = try await interviews.changeInterviewStatus(id: id, to: status, actor: host, at: beijing(time))
        }
        func answer(_ id: Int64, _ question: Int64, _ body: String, at time: String) async throws -> TranscriptEvent {
            try await interviews.postEntry(
                interviewID: id, kind: .answer, body: body, author: .guest(id: nil), questionID: question, actor: host, at: beijing(time))
        }

        ended = try await interview("法律援助与你同行")
        try await status(ended, .open, at: "2027-03-10T09:00")
        let hostile = try await ask(ended, Self.hostileQuestion, nickname: "张三", at: "2027-03-14T20:00")
        let later = try await ask(ended, "异地可以申请吗？", nickname: nil, at: "2027-03-15T08:00")
        try await status(ended, .live, at: "2027-03-16T09:30")
        _ = try await interviews.postEntry(
            interviewID: ended, kind: .remark, body: "各位网友好！", author: .host, questionID: nil, actor: host,
            at: beijing("2027-03-16T09:31"))
        _ = try await interviews.putQuestionOnAir(interviewID: ended, questionID: hostile, actor: host, at: beijing("2027-03-16T09:32"))
        guard case .entry(let answered) = try await answer(ended, hostile, "携带身份证明。", at: "2027-03-16T09:35") else {
            throw CLIError(message: "no answer entry")
        }
        _ = try await interviews.correctEntry(
            interviewID: ended, entryID: answered.id, body: Self.hostileAnswer, actor: host, at: beijing("2027-03-16T09:40"))
        try await status(ended, .ended, at: "2027-03-16T11:02")
        _ = try await answer(ended, later, "可以，向受理地的法律援助机构申请。", at: "2027-03-19T15:00")

        live = try await interview("正在直播")
        try await status(live, .live, at: "2027-03-16T09:30")
        scheduled = try await interview("尚未公布")
    }

    /// A signed-in staff member, through a session as the server makes them.
    static func staff(_ database: AppDatabase, _ username: String, _ role: Role) async throws -> AuthenticatedStaff {
        let user = try await database.accounts.createStaffUser(
            NewStaffUser(
                username: username, displayName: username == "host" ? "李华" : "管理员", role: role, department: "办公室", passwordHash: "x"),
            actor: .commandLine(osUser: "test"), at: beijing("2027-03-01T08:00"))
        try await database.accounts.startSession(
            userID: user.id, tokenHash: "session-\(username)", csrfToken: "t", expiresAt: .distantFuture, clientAddress: nil,
            userAgent: nil,
            at: beijing("2027-03-01T08:00"))
        return try #require(try await database.accounts.activeSession(tokenHash: "session-\(username)", at: beijing("2027-03-01T08:00")))
    }
}

/// `wenzheng export transcript`, run as a separate process.
@Suite("wenzheng export transcript")
struct ExportTranscriptCommandTests {
    @Test("every format: two runs give the same bytes, which are the store's document rendered, on standard output and with -o")
    func deterministic() async throws {
        let fixture = try await TranscriptDatabase()
        let document = try await fixture.database.interviews.publishedTranscript(interviewID: fixture.ended)
        for format in TranscriptFormat.allCases {
            let arguments = ["export", "transcript", String(fixture.ended), "--format", format.rawValue, "--db", fixture.db]
            let first = try CLI.run(arguments)
            let second = try CLI.run(arguments)
            #expect(first.status == 0 && second.status == 0, "\(format): \(first.error)")
            #expect(!first.output.isEmpty)
            #expect(Data(first.output.utf8) == Data(second.output.utf8), "\(format)")
            #expect(Data(first.output.utf8) == TranscriptExport.data(document, as: format), "\(format)")
            let file = fixture.temp.path(TranscriptExport.fileName(interviewID: fixture.ended, format: format))
            let written = try CLI.run(arguments + ["-o", file])
            #expect(written.status == 0 && written.output.isEmpty, "\(written.error)")
            #expect(written.error.contains("wrote the transcript of interview \(fixture.ended) (5 entries, 1 later answers) to \(file)"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data(first.output.utf8))
        }
        // Markdown unless asked otherwise.
        let plain = try CLI.run(["export", "transcript", String(fixture.ended), "--db", fixture.db])
        #expect(plain.output.hasPrefix("# 法律援助与你同行\n\n在线访谈实录\n"))
    }

    @Test("the content: masked asker, corrected answer, the later answer with its dates, Beijing times; no export time")
    func content() async throws {
        let fixture = try await TranscriptDatabase()
        let text = try CLI.run(["export", "transcript", String(fixture.ended), "--format", "txt", "--db", fixture.db]).output
        #expect(text.contains("时间：2027年3月16日（周二）09:30—11:02"))
        #expect(text.contains("主持人：李华") && text.contains("嘉宾：张明，副厅长，江苏省司法厅"))
        #expect(text.contains("[09:32] 问 张*："))
        #expect(text.contains("[09:35] 答 张明（副厅长）（已更正）："))
        #expect(!text.contains("携带身份证明"), "the answer reads as corrected")
        #expect(text.contains("问 网友：\n异地可以申请吗？\n\n受理日期：2027-03-15　答复日期：2027-03-19　答复部门：江苏省司法厅"))
        #expect(!text.contains("导出时间"))
    }

    @Test("JSON validates against docs/transcript-schema.json, keys in its order; with --site it names the archive page")
    func jsonSchema() async throws {
        let fixture = try await TranscriptDatabase()
        let json = try CLI.run(["export", "transcript", String(fixture.ended), "--format", "json", "--db", fixture.db])
        #expect(json.status == 0, "\(json.error)")
        #expect(try TranscriptSchema.problems(json.output) == [])
        let parsed = try JSONValue.parse(json.output)
        #expect(parsed["interview"]?["url"] == .null && parsed["exportedAt"] == .null)
        #expect(parsed["deferredReplies"]?.items.first?["receivedOn"] == .string("2027-03-15"))

        let sited = try CLI.run([
            "export", "transcript", String(fixture.ended), "--format", "json", "--site", "https://wenzheng.example.gov.cn/", "--db",
            fixture.db,
        ])
        #expect(try TranscriptSchema.problems(sited.output) == [])
        #expect(
            try JSONValue.parse(sited.output)["interview"]?["url"] == .string("https://wenzheng.example.gov.cn/interviews/\(fixture.ended)")
        )
    }

    @Test("HTML stands alone: nothing fetched, no script, hostile text escaped")
    func standaloneHTML() async throws {
        let fixture = try await TranscriptDatabase()
        let html = try CLI.run(["export", "transcript", String(fixture.ended), "--format", "html", "--db", fixture.db]).output
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
        #expect(html.contains(#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">"#))
        // Only the export's own elements: no script, link, image or frame.
        let tags = Set(html.matches(of: /<\/?([A-Za-z!][A-Za-z0-9]*)/).map { String($0.1).lowercased() })
        let own: Set = [
            "!doctype", "html", "head", "meta", "title", "style", "body", "article", "header", "h1", "h2", "p", "dl", "dt", "dd", "section",
            "div", "span", "time", "br", "footer",
        ]
        #expect(tags.subtracting(own).isEmpty, "\(tags.subtracting(own))")
        for external in ["url(", "@import", "http://", "https://", "src=\"", "href=\""] {
            #expect(!html.contains(external), "\(external)")
        }
        #expect(html.contains("&quot;\u{301} onmouseover=&quot;x &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&#39;\u{200D}&lt;img src=x onerror=y&gt;"))
    }

    @Test("refusals on standard error with a non-zero exit: unknown id, not ended, not announced, bad format, bad site, bad file")
    func refusals() async throws {
        let fixture = try await TranscriptDatabase()
        func refused(_ arguments: [String]) throws -> String {
            let result = try CLI.run(["export", "transcript"] + arguments + ["--db", fixture.db])
            #expect(result.status != 0, "\(arguments)")
            #expect(result.output.isEmpty, "\(arguments)")
            return result.error.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try refused(["999"]) == "Error: no interview '999'")
        #expect(
            try refused([String(fixture.live)])
                == "Error: interview \(fixture.live) is live; its transcript is exported once the interview has ended")
        #expect(
            try refused([String(fixture.scheduled)])
                == "Error: interview \(fixture.scheduled) is not announced; it has no public transcript")
        #expect(try refused([String(fixture.ended), "--format", "pdf"]).contains("pdf"))
        #expect(
            try refused([String(fixture.ended), "--site", "javascript:alert(1)"]).contains("--site must be an http:// or https:// address"))
        #expect(try refused(["0"]).contains("positive"))
        #expect(try refused([String(fixture.ended), "-o", fixture.temp.path("missing/folder/t.md")]).contains("does not exist"))
    }
}
