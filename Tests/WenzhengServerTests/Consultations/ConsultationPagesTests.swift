import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// The office's pages, driven as a browser without JavaScript drives them.
@Suite("Consultations: the office's pages")
struct ConsultationPagesTests {
    @Test("a draft uploaded as a file is split and shown for confirmation; settings, confirmation and opening through forms")
    func importThroughThePage() async throws {
        try await ConsultationHTTP.run { http in
            let form = try await http.page("/staff/consultations/new", as: http.handler)
            #expect(form.status == .ok && form.text.contains(#"enctype="multipart/form-data""#))
            let upload = try await http.client.postMultipart(
                "/staff/consultations",
                [
                    .field("_csrf", http.handler.csrfToken), .field("draft", ""), .field("format", "auto"),
                    .field("draftingExplanation", ""), .field("opensAt", "2026-11-17T08:00"), .field("closesAt", "2026-12-17T08:00"),
                    .file("file", filename: "调解条例.md", Array(ConsultationDrafts.mediation.utf8)),
                ], headers: [.cookie: http.handler.cookie])
            #expect(upload.status == .seeOther, "\(upload.text)")
            let location = try #require(upload.headers[.location])
            #expect(location.hasSuffix("?notice=imported"))
            let path = String(location.prefix { $0 != "?" })
            let page = try await http.page(location, as: http.handler)
            #expect(page.text.contains("草案已导入") && page.text.contains(#"data-testid="split-art-5""#))
            #expect(page.text.contains(#"value="2026-11-17T08:00""#))
            #expect(page.text.contains(#"data-testid="confirm-split""#) && !page.text.contains(#"data-testid="open-consultation""#))

            // A closing time before the opening: the form again, 422, with the reason by the field
            let bad = try await http.form(
                path + "/settings", [("title", "江苏省人民调解条例（修订草案征求意见稿）"), ("opensAt", "2026-11-17T08:00"), ("closesAt", "2026-11-10T08:00")],
                as: http.handler)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("截止时间必须晚于开始时间") && bad.text.contains(#"value="2026-11-10T08:00""#))
            let saved = try await http.form(path + "/settings", [("draftingExplanation", "为完善人民调解制度，修订本条例。")], as: http.handler)
            #expect(saved.status == .seeOther)
            #expect(try await http.form(path + "/confirm-split", [], as: http.handler).status == .seeOther)
            #expect(try await http.form(path + "/open", [], as: http.handler).status == .forbidden)
            let opened = try await http.form(path + "/open", [], as: http.reviewer)
            #expect(opened.status == .seeOther)
            let open = try await http.page(path, as: http.reviewer)
            #expect(open.text.contains("正在征求意见") && open.text.contains(#"data-testid="close-comment-period""#))
            // Its text is fixed now: no draft form, and a reimport is refused
            #expect(!open.text.contains("reimport-form"))
            let reimport = try await http.client.postMultipart(
                path + "/draft", [.field("_csrf", http.handler.csrfToken), .field("draft", "第一条　新的。")],
                headers: [.cookie: http.handler.cookie])
            #expect(reimport.status == .conflict)
        }
    }

    @Test("a file that is not UTF-8 text is refused by the field")
    func notUTF8() async throws {
        try await ConsultationHTTP.run { http in
            let gbk: [UInt8] = [0xB5, 0xDA, 0xD2, 0xBB, 0xCC, 0xF5]  // 第一条 in GBK
            let upload = try await http.client.postMultipart(
                "/staff/consultations", [.field("_csrf", http.handler.csrfToken), .file("file", filename: "draft.txt", gbk)],
                headers: [.cookie: http.handler.cookie])
            #expect(upload.status == .unprocessableContent)
            #expect(upload.text.contains("文件不是 UTF-8 编码的文本"))
        }
    }

    @Test("comments are grouped and decided through forms; publishing is refused with what is missing, then finishes it")
    func reportThroughThePage() async throws {
        try await ConsultationHTTP.run { http in
            let id = try await http.openConsultation()
            let first = try await http.publishedComment(id, target: "art-1", text: "立法目的应写入“预防纠纷”。")
            let second = try await http.publishedComment(id, target: "art-2", text: "建议写明预防为主。")
            let path = "/staff/consultations/\(id)"
            #expect(try await http.form(path + "/close", [], as: http.reviewer).status == .seeOther)

            let refused = try await http.form(path + "/publish-report", [], as: http.reviewer)
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("意见 #\(first)尚未作出采纳决定。"))

            let grouped = try await http.form(
                path + "/groups", [("commentIDs[]", String(first)), ("commentIDs[]", String(second)), ("summary", "建议突出预防纠纷")],
                as: http.handler)
            #expect(grouped.status == .seeOther, "\(grouped.text)")
            let groupID = try #require(try await http.server.database.consultations.reportInput(consultationID: id).groups.first?.id)
            let noReason = try await http.form(path + "/decisions", [("subject", "group-\(groupID)"), ("decision", "adopted"), ("reason", "")], as: http.handler)
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.text.contains("请填写理由。"))
            let decided = try await http.form(
                path + "/decisions", [("subject", "group-\(groupID)"), ("decision", "adopted"), ("reason", "第一条增加“预防”。")], as: http.handler)
            #expect(decided.status == .seeOther)
            let comments = try await http.page(path + "/comments", as: http.reviewer).text
            #expect(comments.contains(#"data-testid="publish-report""#) && comments.contains(#"data-testid="adoption-report""#))
            #expect(try await http.form(path + "/publish-report", [], as: http.reviewer).status == .seeOther)
            let publicPage = try await http.page("/consultations/\(id)").text
            #expect(publicPage.contains("第一条增加“预防”。") && publicPage.contains("建议突出预防纠纷"))
            #expect(publicPage.contains("共收到公开意见 2 条，其中采纳 2 条"))
        }
    }

    @Test("an admin withdraws a comment from the comments page; the public page keeps its place without the text")
    func withdrawThroughThePage() async throws {
        try await ConsultationHTTP.run { http in
            let id = try await http.openConsultation()
            let comment = try await http.publishedComment(id, target: nil, text: "请联系我 zhou@example.com 讨论。")
            let path = "/staff/consultations/\(id)/comments/\(comment)"
            let empty = try await http.form(path + "/unpublish", [("reason", "")], as: http.admin)
            #expect(empty.status == .unprocessableContent && empty.text.contains("请填写理由。"))
            let done = try await http.form(path + "/unpublish", [("reason", "含电子邮箱")], as: http.admin)
            #expect(done.status == .seeOther)
            let publicPage = try await http.page("/consultations/\(id)").text
            #expect(publicPage.contains(#"data-testid="comment-withdrawn""#) && !publicPage.contains("讨论"))
        }
    }
}
