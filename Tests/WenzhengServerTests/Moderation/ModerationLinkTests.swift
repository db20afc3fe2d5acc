import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// The moderator's link to where a text appears comes from the item's
/// typed subject, named by the feature that owns the text: the store keeps
/// no web path (issue 10).
@Suite("Moderation items link to their context")
struct ModerationLinkTests {
    struct LinkedItem: Decodable {
        var id: Int64
        var kind: String
        var sourceUrl: String?
    }

    struct LinkedItems: Decodable {
        var items: [LinkedItem]
    }

    @Test("a question's card and JSON link to its interview's page; text of no feature links nowhere")
    func questionsLinkToTheirInterview() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.addStaff("mod", role: .moderator)
        let other = try await server.submit("一段测试文字", kind: .comment)
        try await server.test { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            #expect(try await host.status(id, "open").status == .ok)
            #expect(try await host.ask(id, "路灯什么时候修").status == .created)
            let mod = try await client.logIn("mod")
            let listed = try await client.execute(uri: "/api/v1/moderation/items", method: .get, headers: mod.headers())
            let items = try JSONDecoder().decode(LinkedItems.self, from: Data(buffer: listed.body)).items
            let question = try #require(items.first { $0.kind == "question" })
            #expect(question.sourceUrl == "/interviews/\(id)")
            #expect(items.first { $0.id == other.id }?.sourceUrl == nil)
            let card = try await client.execute(uri: "/moderation/items/\(question.id)/card", method: .get, headers: mod.headers())
            #expect(card.text.contains(#"href="/interviews/\#(id)""#))
            let otherCard = try await client.execute(uri: "/moderation/items/\(other.id)/card", method: .get, headers: mod.headers())
            #expect(otherCard.status == .ok && !otherCard.text.contains("查看来源"))
        }
    }
}
