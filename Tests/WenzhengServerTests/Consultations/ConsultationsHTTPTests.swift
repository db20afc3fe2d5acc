import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

@Suite("Consultations over HTTP")
struct ConsultationsHTTPTests {
    @Test("a Markdown draft is split into chapters and articles; staff confirm the split before it can open")
    func importAndSplit() async throws {
        try await ConsultationHTTP.run { http in
            let created = try await http.importDraft(ConsultationDrafts.mediation)
            let id = try #require(created["id"] as? Int).int64
            #expect(created["title"] as? String == "江苏省人民调解条例（修订草案征求意见稿）")
            #expect(created["state"] as? String == "draft")
            let draft = try #require(created["draft"] as? [String: Any])
            let sections = try #require(draft["sections"] as? [[String: Any]])
            #expect(sections.map { $0["key"] as? String } == ["art-1", "art-2", "art-3", "art-4", "art-5"])
            #expect(sections.first?["title"] as? String == "立法目的")
            #expect((draft["headings"] as? [[String: Any]])?.map { $0["title"] as? String } == ["总则", "人民调解委员会", "附则"])
            #expect((draft["warnings"] as? [Any])?.isEmpty == true)

            // Not public while a draft; it cannot open before the split is confirmed and explained
            #expect(try await http.send(.get, "/api/v1/consultations/\(id)").status == .notFound)
            #expect(try await http.send(.post, "/api/v1/consultations/\(id)/open", as: http.reviewer).status == .conflict)
            #expect(try await http.send(.post, "/api/v1/consultations/\(id)/split/confirm", as: http.handler).status == .ok)
            let unexplained = try await http.send(.post, "/api/v1/consultations/\(id)/open", as: http.reviewer)
            #expect(unexplained.status == .unprocessableContent)
            #expect(try unexplained.problem().errors?.map(\.field) == ["draftingExplanation"])

            // The office's page shows the split with its chapters for checking
            let page = try await http.page("/staff/consultations/\(id)", as: http.handler)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"data-testid="split-art-3""#) && page.text.contains("人民调解委员会"))
            #expect(page.text.contains("split-confirmed"))
        }
    }

    @Test("a draft without articles is imported as one section with a warning shown for confirmation")
    func draftWithoutArticles() async throws {
        try await ConsultationHTTP.run { http in
            let created = try await http.importDraft(ConsultationDrafts.opinionWithoutArticles, extra: #","format":"plain_text""#)
            let draft = try #require(created["draft"] as? [String: Any])
            #expect((draft["sections"] as? [[String: Any]])?.map { $0["key"] as? String } == ["whole"])
            #expect((draft["warnings"] as? [[String: Any]])?.map { $0["code"] as? String } == ["no_articles"])
            let id = try #require(created["id"] as? Int)
            let page = try await http.page("/staff/consultations/\(id)", as: http.handler)
            #expect(page.text.contains(#"data-testid="split-warning""#) && page.text.contains("没有识别出"))
        }
    }

    @Test("an import names every bad field at once: 422")
    func importValidation() async throws {
        try await ConsultationHTTP.run { http in
            let response = try await http.send(
                .post, "/api/v1/consultations",
                #"{"draft":"  ","opensAt":"2026-12-01T00:00:00Z","closesAt":"2026-11-01T00:00:00Z","format":"docx"}"#, as: http.handler)
            #expect(response.status == .unprocessableContent)
            #expect(try response.problem().errors?.map(\.field) == ["format"])
            let second = try await http.send(
                .post, "/api/v1/consultations", #"{"draft":"  ","opensAt":"2026-12-01T00:00:00Z","closesAt":"2026-11-01T00:00:00Z"}"#,
                as: http.handler)
            #expect(try second.problem().errors?.map(\.field) == ["draft", "closesAt"])
        }
    }

    @Test("comments wait for moderation, then appear masked with their counts per article; text is escaped where shown")
    func commentsThroughModeration() async throws {
        try await ConsultationHTTP.run { http in
            let id = try await http.openConsultation()
            let hostile = #"<script>alert("x")</script> 建议第三条写明调解委员会的选举办法，电话13812345678"#
            let response = try await http.comment(id, target: "art-3", text: hostile, nickname: "赵四")
            #expect(response.status == .created, "\(response.text)")
            #expect(try response.json()["state"] as? String == "pending")
            #expect((try await http.publicConsultation(id)["comments"] as? [Any])?.isEmpty == true)
            // The moderator's card links to the draft's page.
            let console = try await http.client.execute(uri: "/moderation", method: .get, headers: try await http.client.logIn("mod").headers())
            #expect(console.text.contains(#"href="/consultations/\#(id)""#))

            try await http.client.approvePending(as: "mod")
            _ = try await http.publishedComment(id, target: nil, text: "整体赞成修订。")
            let page = try await http.publicConsultation(id)
            let comments = try #require(page["comments"] as? [[String: Any]])
            #expect(comments.first?["text"] as? String == #"<script>alert("x")</script> 建议第三条写明调解委员会的选举办法，电话138****5678"#)
            #expect(comments.first?["nickname"] as? String == "赵*")
            #expect(comments.first?["submittedOn"] as? String == "2026-11-18")
            let counts = try #require(page["commentCounts"] as? [String: Any])
            #expect(counts["wholeDraft"] as? Int == 1)
            #expect((counts["sections"] as? [[String: Any]])?.map { $0["count"] as? Int } == [0, 0, 1, 0, 0])

            let html = try await http.page("/consultations/\(id)").text
            #expect(!html.contains("<script>alert"))
            #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
            #expect(html.contains(#"data-testid="count-art-3">1 条意见"#))
            #expect(!html.contains("13812345678"))
            // The home page lists it as open
            #expect(try await http.page("/").text.contains(#"href="/consultations/\#(id)""#))
        }
    }

    @Test("a comment outside the window gets 409 with the window; a comment on a draft 404")
    func commentOutsideTheWindow() async throws {
        try await ConsultationHTTP.run { http in
            let id = try await http.openConsultation()
            http.server.clock.set(try #require(ISO8601DateFormatter().date(from: ConsultationWindow.closesAt)))
            let late = try await http.comment(id, target: "art-1", text: "截止后才提的意见")
            #expect(late.status == .conflict)
            let problem = try late.json()
            #expect(problem["type"] as? String == "urn:wenzheng:problem:outside-window")
            let window = try #require(problem["window"] as? [String: String])
            #expect(window == ["opensAt": ConsultationWindow.opensAt, "closesAt": ConsultationWindow.closesAt])
            // The page form says so, with 409, and shows no form any more
            let form = try await http.form("/consultations/\(id)/comments", [("target", "art-1"), ("text", "截止后才提的意见")])
            #expect(form.status == .conflict)
            #expect(form.text.contains("当前不在此期间") && !form.text.contains("comment-form-art-1"))

            http.server.clock.set(try #require(ISO8601DateFormatter().date(from: "2026-11-16T12:00:00Z")))
            let early = try await http.comment(id, target: nil, text: "开始前提的意见")
            #expect(early.status == .conflict)
            #expect((try early.json()["window"] as? [String: String])?["opensAt"] == ConsultationWindow.opensAt)

            let draft = try #require(try await http.importDraft(ConsultationDrafts.mediation)["id"] as? Int)
            #expect(try await http.comment(draft.int64, target: nil, text: "草稿不公开").status == .notFound)
        }
    }

    @Test("a bad comment gets 422 naming every field; the page form shows it again with what was typed")
    func commentValidation() async throws {
        try await ConsultationHTTP.run { http in
            let id = try await http.openConsultation()
            let response = try await http.comment(id, target: "art-99", text: " ", nickname: String(repeating: "名", count: 21))
            #expect(response.status == .unprocessableContent)
            let problem = try response.problem()
            #expect(problem.errors?.map(\.field) == ["target", "text", "nickname"])
            #expect(problem.errors?.first?.code == "unknown_section")

            let form = try await http.form("/consultations/\(id)/comments", [("target", "art-2"), ("text", "短"), ("nickname", "钱五")])
            #expect(form.status == .unprocessableContent)
            #expect(form.text.contains("意见内容至少2个字"))
            #expect(form.text.contains(#"<details class="comment-box" id="comment-form-art-2" open>"#))
            #expect(form.text.contains(#"value="钱五""#))

            let accepted = try await http.form("/consultations/\(id)/comments", [("target", "art-2"), ("text", "建议扩大适用范围。")])
            #expect(accepted.status == .seeOther)
            #expect(accepted.headers[.location] == "/consultations/\(id)?notice=received#comment-form-art-2")
            let notice = try await http.page("/consultations/\(id)?notice=received")
            #expect(notice.text.contains("您的意见已提交，审核通过后将在本页公开。"))
        }
    }

    @Test("comments per address are limited: 429 with Retry-After")
    func commentRateLimit() async throws {
        try await ConsultationHTTP.run { http in
            let id = try await http.openConsultation()
            for number in 1...10 {
                #expect(try await http.comment(id, target: nil, text: "第\(number)条意见").status == .created)
            }
            let refused = try await http.comment(id, target: nil, text: "第11条意见")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
        }
    }

    @Test("ending the comment period does not finish the consultation: the report must be complete and published first")
    func closeBlockedUntilTheReportIsPublished() async throws {
        try await ConsultationHTTP.run { http in
            let id = try await http.openConsultation()
            let first = try await http.publishedComment(id, target: "art-4", text: "调解委员会人数上限可提高到十一人。")
            let second = try await http.publishedComment(id, target: "art-4", text: "大的社区委员九人不够用。")
            let third = try await http.publishedComment(id, target: nil, text: "赞成修订。")

            // Handlers may not end it; a leader may
            #expect(try await http.send(.post, "/api/v1/consultations/\(id)/close", as: http.handler).status == .forbidden)
            let closed = try await http.send(.post, "/api/v1/consultations/\(id)/close", as: http.reviewer)
            #expect(try closed.json()["state"] as? String == "closed")
            #expect(try closed.json()["finished"] as? Bool == false)
            let page = try await http.page("/consultations/\(id)").text
            #expect(page.contains("意见征集已截止，采纳情况整理中") && !page.contains("已办结"))

            // The report cannot be published with undecided comments: 409 listing them
            let blocked = try await http.send(.post, "/api/v1/consultations/\(id)/report", as: http.reviewer)
            #expect(blocked.status == .conflict)
            #expect(try blocked.problem().errors?.map(\.field) == ["comments.\(first)", "comments.\(second)", "comments.\(third)"])
            #expect(try await http.publicConsultation(id)["finished"] as? Bool == false)

            // Grouped and decided, it can
            let group = try await http.send(
                .post, "/api/v1/consultations/\(id)/groups", #"{"summary":"建议增加调解委员会人数","commentIDs":[\#(first),\#(second)]}"#,
                as: http.handler)
            #expect(group.status == .created, "\(group.text)")
            let groupID = try #require(try group.json()["id"] as? Int)
            let noReason = try await http.send(
                .post, "/api/v1/consultations/\(id)/decisions", #"{"group":\#(groupID),"decision":"partly_adopted"}"#, as: http.handler)
            #expect(noReason.status == .unprocessableContent)
            #expect(try noReason.problem().errors?.map(\.field) == ["reason"])
            for body in [
                #"{"group":\#(groupID),"decision":"partly_adopted","reason":"第四条改为“三至十一人”。"}"#,
                #"{"comment":\#(third),"decision":"not_adopted","reason":"属总体评价，无需修改条文。"}"#,
            ] {
                #expect(try await http.send(.post, "/api/v1/consultations/\(id)/decisions", body, as: http.handler).status == .noContent)
            }
            let office = try await http.send(.get, "/api/v1/consultations/\(id)/office", as: http.handler)
            #expect((try office.json()["reportErrors"] as? [Any])?.isEmpty == true)
            let published = try await http.send(.post, "/api/v1/consultations/\(id)/report", as: http.reviewer)
            #expect(published.status == .ok, "\(published.text)")
            #expect(try published.json()["finished"] as? Bool == true)

            let report = try #require(try await http.publicConsultation(id)["report"] as? [String: Any])
            #expect((report["decisionCounts"] as? [String: Int]) == ["adopted": 0, "partlyAdopted": 2, "notAdopted": 1])
            let html = try await http.page("/consultations/\(id)").text
            #expect(html.contains(#"data-testid="adoption-report""#) && html.contains("第四条改为“三至十一人”。"))
            #expect(html.contains("已办结，采纳情况已公布"))
            // Decisions are final now
            let late = try await http.send(
                .post, "/api/v1/consultations/\(id)/decisions", #"{"comment":\#(third),"decision":"adopted","reason":"改主意"}"#, as: http.handler)
            #expect(late.status == .conflict)
        }
    }

    @Test("exports: CSV with the BOM, the columns and formula cells neutralised; JSON with the comments")
    func exports() async throws {
        try await ConsultationHTTP.run { http in
            let id = try await http.openConsultation()
            let formula = try await http.publishedComment(id, target: "art-1", text: #"=HYPERLINK("http://evil.example","点我")"#)
            _ = try await http.publishedComment(id, target: nil, text: "+1 赞成，另：第二条，应当写明“适用范围”")

            let csv = try await http.send(.get, "/api/v1/consultations/\(id)/export?format=csv", as: http.handler)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == #"attachment; filename="consultation-\#(id).csv""#)
            let bytes = Array(csv.body.readableBytesView)
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            let lines = text.components(separatedBy: "\r\n")
            #expect(lines.first == "编号,提交日期,条款,意见内容,分组,分组概述,采纳情况,理由")
            #expect(lines[1] == #"\#(formula),2026-11-18,第一条,"'=HYPERLINK(""http://evil.example"",""点我"")",,,,"#)
            #expect(lines[2].contains(",全文,'+1 赞成，另：第二条，应当写明“适用范围”,"))
            let english = try await http.send(.get, "/api/v1/consultations/\(id)/export?format=csv&lang=en", as: http.handler)
            #expect(english.text.dropFirst().hasPrefix("id,submitted_on,section,comment,group,group_summary,decision,reason"))

            let json = try await http.send(.get, "/api/v1/consultations/\(id)/export?format=json", as: http.handler)
            #expect(json.headers[.contentType] == "application/json")
            let document = try json.json()
            #expect((document["comments"] as? [[String: Any]])?.count == 2)
            #expect(document["state"] as? String == "open")
            #expect(try await http.send(.get, "/api/v1/consultations/\(id)/export?format=xlsx", as: http.handler).status == .unprocessableContent)
            // The office's page offers the same download
            let page = try await http.page("/staff/consultations/\(id)/export?format=csv", as: http.reviewer)
            #expect(Array(page.body.readableBytesView.prefix(3)) == [0xEF, 0xBB, 0xBF])
        }
    }

    @Test("an admin withdraws a published comment: gone from the page and API at once; others get 403; republished masked")
    func withdrawComment() async throws {
        try await ConsultationHTTP.run { http in
            let id = try await http.openConsultation()
            let comment = try await http.publishedComment(id, target: "art-2", text: "我叫孙六，家住幸福路8号，建议扩大范围。", nickname: "孙六")
            let uri = "/api/v1/consultations/\(id)/comments/\(comment)"
            #expect(try await http.send(.post, uri + "/unpublish", #"{"reason":"有住址"}"#, as: http.handler).status == .forbidden)
            let missing = try await http.send(.post, uri + "/unpublish", #"{"reason":" "}"#, as: http.admin)
            #expect(missing.status == .unprocessableContent)
            let done = try await http.send(.post, uri + "/unpublish", #"{"reason":"意见中有评论人住址"}"#, as: http.admin)
            #expect(done.status == .ok, "\(done.text)")

            let shown = try #require((try await http.publicConsultation(id)["comments"] as? [[String: Any]])?.first)
            #expect(shown["withdrawn"] as? Bool == true && shown["text"] == nil)
            let html = try await http.page("/consultations/\(id)").text
            #expect(html.contains("该意见已撤回公开。") && !html.contains("幸福路") && !html.contains("意见中有评论人住址"))
            #expect(html.contains(#"data-testid="count-art-2">1 条意见"#))
            #expect(try await http.send(.post, uri + "/unpublish", #"{"reason":"再撤"}"#, as: http.admin).status == .conflict)
            // The office's comments page says who and why, and offers republication
            let office = try await http.page("/staff/consultations/\(id)/comments", as: http.admin).text
            #expect(office.contains("comment-withdrawn-\(comment)") && office.contains("意见中有评论人住址"))
            #expect(office.contains("republish-form-\(comment)"))

            let republished = try await http.send(.post, uri + "/republish", #"{"text":"我叫孙六，电话13912345678，建议扩大范围。"}"#, as: http.admin)
            #expect(republished.status == .ok, "\(republished.text)")
            #expect((try republished.json()["comment"] as? [String: Any])?["publicText"] as? String == "我叫孙*，电话139****5678，建议扩大范围。")
            let again = try #require((try await http.publicConsultation(id)["comments"] as? [[String: Any]])?.first)
            #expect(again["text"] as? String == "我叫孙*，电话139****5678，建议扩大范围。")
        }
    }
}
