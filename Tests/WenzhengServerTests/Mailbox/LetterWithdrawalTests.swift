import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

extension TestServer {
    /// A citizen's letter, answered and approved for the public page; the
    /// staff of `addPublishingStaff` and an admin `root` exist.
    func publishedLetter(_ client: any TestClientProtocol, body: String = "我家小区门口的路灯坏了三个月，住幸福小区3号楼。") async throws
        -> LetterView
    {
        try await addPublishingStaff()
        try await addStaff("root", role: .admin)
        let receipt = try await CitizenMailbox(client: client).submit(
            CitizenMailbox.letterJSON(type: "complaint", subject: "路灯不亮", body: body, mayPublish: true))
        let office = try await staffMember("office", client: client)
        let leader = try await staffMember("leader", client: client)
        let moderator = try await staffMember("mod", client: client)
        let replied = try await reply(to: receipt.number, office: office, reviewer: leader, text: "已安排维修。")
        _ = try await database.moderation.decideModeration(
            id: try #require(replied.moderationItemId), .approve(override: true), by: moderator, allowedReasons: [], at: clock.now())
        return replied
    }
}

@Suite("Withdrawing published letters over HTTP (item 23)")
struct LetterWithdrawalTests {
    @Test("withdrawn: 410 page and API, gone from the list, the API list and search; the office sees who and why")
    func unpublishedLetterDisappears() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let letter = try await server.publishedLetter(client)
            #expect(try await client.execute(uri: "/letters?q=路灯", method: .get).text.contains("路灯不亮"))
            let admin = OfficeClient(client: client, staff: try await client.logIn("root"))
            // A reason is required: 422 with the field
            let missing = try await admin.act(letter.id, "unpublish", #"{"reason":"  "}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(try missing.problem().errors?.map(\.field) == ["reason"])
            // A reviewer may not: 403
            let leader = OfficeClient(client: client, staff: try await client.logIn("leader"))
            #expect(try await leader.act(letter.id, "unpublish", #"{"reason":"住址"}"#).status == .forbidden)

            let done = try await admin.act(letter.id, "unpublish", #"{"reason":"正文有来信人住址"}"#)
            #expect(done.status == .ok, "\(done.text)")
            #expect(try OfficeJSONBody.decode(LetterView.self, done).withdrawal?.reason == "正文有来信人住址")

            // The public page: 410, saying it was withdrawn, without the text or the reason
            let page = try await client.execute(uri: "/letters/\(letter.id)", method: .get)
            #expect(page.status == .gone)
            #expect(page.text.contains(#"data-testid="letter-withdrawn""#) && page.text.contains("撤回公开"))
            #expect(!page.text.contains("路灯") && !page.text.contains("住址"))
            #expect(try await client.execute(uri: "/letters/\(letter.id)/deadline", method: .get).status == .gone)
            let api = try await client.execute(uri: "/api/v1/letters/published/\(letter.id)", method: .get)
            #expect(api.status == .gone)
            #expect(try api.problem().type == "urn:wenzheng:problem:withdrawn")
            // An id never published is still 404
            #expect(try await client.execute(uri: "/api/v1/letters/published/424242", method: .get).status == .notFound)
            // The list, the API list and search
            #expect(!(try await client.execute(uri: "/letters", method: .get).text.contains("路灯不亮")))
            #expect(!(try await client.execute(uri: "/letters?q=路灯", method: .get).text.contains("路灯不亮")))
            let list = try await client.execute(uri: "/api/v1/letters/published", method: .get)
            #expect(try JSONDecoder().decode(PublishedPageBody.self, from: Data(buffer: list.body)).letters.isEmpty)
            let searched = try await client.execute(uri: "/api/v1/letters/published?q=路灯", method: .get)
            #expect(try JSONDecoder().decode(PublishedPageBody.self, from: Data(buffer: searched.body)).letters.isEmpty)

            // The office's letter page: withdrawn, by whom, why; the timeline too
            let office = try await admin.page("/office/letters/\(letter.id)")
            #expect(office.text.contains(#"data-testid="letter-withdrawn""#) && office.text.contains("正文有来信人住址"))
            #expect(office.text.contains(#"data-kind="unpublished""#) && office.text.contains("撤回公开"))
            #expect(office.text.contains(#"data-testid="form-republish""#))
            #expect(!office.text.contains(#"data-testid="form-unpublish""#))
            // Not shown to the citizen's own timeline
            let detail = try await admin.detail(letter.id)
            #expect(detail.actions.contains("republish") && !detail.actions.contains("unpublish"))
        }
    }

    @Test("republished after correction through the page form: a refused form comes back with the error, then the masked text is public")
    func republishThroughThePage() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let letter = try await server.publishedLetter(client)
            let admin = OfficeClient(client: client, staff: try await client.logIn("root"))
            let refused = try await admin.form("/office/letters/\(letter.id)/unpublish", [("reason", "")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains(#"data-testid="office-error""#) && refused.text.contains(#"data-testid="form-unpublish""#))
            let withdrawn = try await admin.form("/office/letters/\(letter.id)/unpublish", [("reason", "住址")])
            #expect(withdrawn.status == .seeOther)
            #expect(withdrawn.headers[.location] == "/office/letters/\(letter.id)?notice=unpublish")

            // An empty body: the form again, with what was typed
            let empty = try await admin.form("/office/letters/\(letter.id)/republish", [("subject", "路灯不亮（更正）"), ("body", " ")])
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains(#"value="路灯不亮（更正）""#) && empty.text.contains(#"data-testid="office-error""#))
            #expect(try await client.execute(uri: "/letters/\(letter.id)", method: .get).status == .gone)

            let again = try await admin.form(
                "/office/letters/\(letter.id)/republish", [("subject", "路灯不亮"), ("body", "李四反映路灯坏了，电话13812345678。")])
            #expect(again.status == .seeOther, "\(again.text)")
            let page = try await client.execute(uri: "/letters/\(letter.id)", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("李*反映路灯坏了，电话138****5678。"))
            #expect(!page.text.contains("13812345678") && !page.text.contains("幸福小区"))
            #expect(try await client.execute(uri: "/letters?q=幸福小区", method: .get).text.contains(#"data-testid="letters-empty""#))
            #expect(try await client.execute(uri: "/letters?q=路灯", method: .get).text.contains("路灯不亮"))
        }
    }

    @Test("a withdrawn reply: the letter stays, the page and the API say the reply was withdrawn, without its text")
    func replyWithdrawn() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let letter = try await server.publishedLetter(client)
            let admin = OfficeClient(client: client, staff: try await client.logIn("root"))
            let missingRound = try await admin.form("/office/letters/\(letter.id)/unpublish-reply", [("reason", "经办人手机号")])
            #expect(missingRound.status == .unprocessableContent)
            let done = try await admin.form("/office/letters/\(letter.id)/unpublish-reply", [("round", "1"), ("reason", "经办人手机号")])
            #expect(done.status == .seeOther)
            let page = try await client.execute(uri: "/letters/\(letter.id)", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"data-testid="published-reply-withdrawn""#) && page.text.contains("该答复已撤回公开"))
            #expect(!page.text.contains("已安排维修") && !page.text.contains("经办人手机号"))
            let api = try await client.execute(uri: "/api/v1/letters/published/\(letter.id)", method: .get)
            #expect(api.text.contains(#""withdrawn":true"#) && !api.text.contains("已安排维修"))
            #expect(try await client.execute(uri: "/letters?q=维修", method: .get).text.contains(#"data-testid="letters-empty""#))
            let office = try await admin.page("/office/letters/\(letter.id)")
            #expect(office.text.contains(#"data-kind="reply_unpublished""#) && office.text.contains("首次答复"))
            #expect(office.text.contains(#"data-testid="form-republish-reply""#))
        }
    }
}
