import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import NIOCore
import NIOWebSocket
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// A live interview run by `host` with `guest1` as its linked guest, and a
/// citizen's question with a mobile number and a contact, approved by `mod`.
struct PrivacyFixture {
    static let phone = "13812345678"
    static let contact = "13900001111"

    let host: InterviewDriver
    let id: Int64
    let questionID: Int64

    static func addStaff(_ server: TestServer) async throws {
        try await server.addStaff("host", role: .host)
        try await server.addStaff("other-host", role: .host)
        try await server.addStaff("guest1", role: .guest)
        try await server.addStaff("guest2", role: .guest)
        try await server.addStaff("mod", role: .moderator)
        try await server.addStaff("root", role: .admin)
    }

    static func start(_ client: any TestClientProtocol) async throws -> PrivacyFixture {
        let host = InterviewDriver(client: client, staff: try await client.logIn("host"))
        let id = try await host.create(guests: #"[{"name":"张三","title":"副厅长","department":"司法厅","username":"guest1"}]"#)
        _ = try await host.status(id, "open")
        #expect(try await host.ask(id, "请回电\(phone)，谢谢").status == .created)
        try await client.approvePending(as: "mod")
        let questions = try JSONDecoder.iso.decode(
            QuestionsBody.self, from: Data(buffer: try await client.execute(uri: "/api/v1/interviews/\(id)/questions", method: .get).body))
        _ = try await host.status(id, "live")
        return PrivacyFixture(host: host, id: id, questionID: questions.questions[0].id)
    }

    /// A fresh server with the staff, and the fixture started in it.
    static func run(_ body: @Sendable (any TestClientProtocol, PrivacyFixture) async throws -> Void) async throws {
        let server = try await TestServer()
        try await addStaff(server)
        try await server.test { client in try await body(client, try await start(client)) }
    }

    func get(_ uri: String, as username: String) async throws -> TestResponse {
        let credentials = try await host.client.logIn(username)
        return try await host.client.execute(uri: uri, method: .get, headers: credentials.headers())
    }
}

@Suite("Issue 9: who sees citizens' contacts and unmasked text")
struct InterviewPrivacyTests {
    @Test("moderators get the queue masked, the masked spans marked by kind; admins get it as written")
    func moderationQueueIsMaskedForModerators() async throws {
        let server = try await TestServer()
        try await PrivacyFixture.addStaff(server)
        let item = try await server.submit("我是张三，电话\(PrivacyFixture.phone)，你就是个傻逼", author: "张三")
        try await server.test { client in
            let mod = try await client.logIn("mod")
            for uri in ["/api/v1/moderation/items", "/api/v1/moderation/items/\(item.id)", "/moderation", "/moderation/items/\(item.id)/card"] {
                let response = try await client.execute(uri: uri, method: .get, headers: mod.headers())
                #expect(response.status == .ok)
                #expect(!response.text.contains(PrivacyFixture.phone), "\(uri) shows the number to a moderator")
                #expect(!response.text.contains("张三"), "\(uri) shows the author's name to a moderator")
                #expect(response.text.contains("138****5678"), "\(uri)")
            }
            let json = try await client.execute(uri: "/api/v1/moderation/items/\(item.id)", method: .get, headers: mod.headers())
            #expect(json.text.contains(#""redacted":true"#))
            #expect(json.text.contains(#""kind":"mobile""#))
            let body = try JSONDecoder.iso.decode(ItemBody.self, from: Data(buffer: json.body))
            #expect(body.text == "我是张*，电话138****5678，你就是个傻逼")
            // The word-list match moved onto the masked text.
            #expect(body.flags.map { String(decoding: Array(body.text.utf16)[$0.start..<$0.end], as: UTF16.self) } == ["傻逼"])
            let card = try await client.execute(uri: "/moderation/items/\(item.id)/card", method: .get, headers: mod.headers())
            #expect(card.text.contains(#">138****5678</mark><span class="pii-kind" data-testid="pii-kind">[手机号]</span>"#))
            #expect(card.text.contains("[姓名]"))

            let root = try await client.logIn("root")
            let full = try await client.execute(uri: "/api/v1/moderation/items/\(item.id)", method: .get, headers: root.headers())
            #expect(full.text.contains(PrivacyFixture.phone))
            #expect(full.text.contains(#""redacted":false"#))
            let adminCard = try await client.execute(uri: "/moderation/items/\(item.id)/card", method: .get, headers: root.headers())
            #expect(adminCard.text.contains(PrivacyFixture.phone))
        }
    }

    @Test("the moderation socket never carries unmasked text")
    func moderationFramesAreMasked() async throws {
        let server = try await TestServer()
        try await server.addStaff("root", role: .admin)
        let item = try await server.submit("请回电\(PrivacyFixture.phone)")
        try await server.testLive { client in
            let root = try await client.logIn("root")
            let frames = try await ModerationLiveTests.framesUntilDecided(client, approving: item.id, as: root)
            let decided = try #require(frames.first { $0.contains(#""change":"decided""#) })
            #expect(decided.contains("138****5678"))
            #expect(!decided.contains(PrivacyFixture.phone))
            #expect(decided.contains(#""redacted":true"#))
        }
    }
}
