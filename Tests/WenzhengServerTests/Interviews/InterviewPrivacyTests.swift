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

    @Test("deferred questions: contacts and the original text for admins and the interview's own host only")
    func deferredListsKeepContactsWithTheHost() async throws {
        try await PrivacyFixture.run { client, fixture in
            // Guests and moderators get the on-air queue masked too.
            for username in ["guest1"] {
                let queue = try await fixture.get("/api/v1/interviews/\(fixture.id)/queue", as: username)
                #expect(queue.status == .ok)
                #expect(!queue.text.contains(PrivacyFixture.phone) && !queue.text.contains(PrivacyFixture.contact))
                #expect(!queue.text.contains("张三丰"))
            }
            let console = try await fixture.get("/staff/interviews/\(fixture.id)", as: "guest1")
            #expect(!console.text.contains(PrivacyFixture.phone))
            #expect(console.text.contains("[手机号]"))
            #expect(try await fixture.host.status(fixture.id, "ended").status == .ok)

            for username in ["host", "root"] {
                let list = try await fixture.get("/api/v1/deferred-questions", as: username)
                #expect(list.text.contains(PrivacyFixture.contact), "\(username) should see the contact")
                #expect(list.text.contains(#""originalText":"请回电\#(PrivacyFixture.phone)，谢谢""#))
                let page = try await fixture.get("/staff/interviews/deferred", as: username)
                #expect(page.text.contains(PrivacyFixture.contact))
            }
            for username in ["other-host", "guest1", "guest2", "mod"] {
                for uri in ["/api/v1/deferred-questions", "/staff/interviews/deferred"] {
                    let response = try await fixture.get(uri, as: username)
                    #expect(response.status == .ok)
                    #expect(!response.text.contains(PrivacyFixture.contact), "\(username) sees the contact at \(uri)")
                    #expect(!response.text.contains(PrivacyFixture.phone), "\(username) sees the number at \(uri)")
                    #expect(!response.text.contains("张三丰"), "\(username) sees the asker's name at \(uri)")
                }
            }
            // The guest and the moderator still see the question, masked and marked.
            for username in ["guest1", "mod"] {
                let list = try await fixture.get("/api/v1/deferred-questions", as: username)
                #expect(list.text.contains(#""text":"请回电138****5678，谢谢""#))
                #expect(list.text.contains(#""kind":"mobile""#) && list.text.contains(#""masked":"138****5678""#))
                #expect(list.text.contains(#""redacted":true"#))
                let page = try await fixture.get("/staff/interviews/deferred", as: username)
                #expect(page.text.contains("[手机号]"))
            }
            // Hosts of other interviews and unlinked guests do not get the question at all.
            for username in ["other-host", "guest2"] {
                #expect(!(try await fixture.get("/api/v1/deferred-questions", as: username).text.contains("138****5678")))
            }
        }
    }

    @Test("a correction is masked before it is published, and the host is told what was masked")
    func correctionsAreMasked() async throws {
        try await PrivacyFixture.run { client, fixture in
            let host = fixture.host
            let onAir = try await host.json(.post, "/api/v1/interviews/\(fixture.id)/questions/\(fixture.questionID)/on-air")
            let entryID = try JSONDecoder.iso.decode(EntryEventBody.self, from: Data(buffer: onAir.body)).entry!.id
            let corrected = try await host.json(
                .post, "/api/v1/interviews/\(fixture.id)/entries/\(entryID)/corrections",
                #"{"body":"请回电\#(PrivacyFixture.phone)，或写信到 zhang@example.com"}"#)
            #expect(corrected.status == .ok)
            #expect(!corrected.text.contains(PrivacyFixture.phone))
            #expect(corrected.text.contains(#""body":"请回电138****5678，或写信到 z***@example.com""#))
            let masked = try JSONDecoder.iso.decode(CorrectionResponse.self, from: Data(buffer: corrected.body)).masked
            #expect(masked.map(\.kind) == ["mobile", "email"])
            #expect(masked.map(\.masked) == ["138****5678", "z***@example.com"])
            let transcript = try await client.execute(uri: "/api/v1/interviews/\(fixture.id)/transcript", method: .get)
            #expect(!transcript.text.contains(PrivacyFixture.phone))
            #expect(!transcript.text.contains("zhang@"))

            // The console form: the redirect names the kinds, the console says them.
            let form = try await client.postForm(
                "/staff/interviews/\(fixture.id)/entries/\(entryID)/correct",
                "body=%E8%AF%B7%E5%9B%9E%E7%94%B5\(PrivacyFixture.phone)&_csrf=\(host.staff.csrfToken)", headers: [.cookie: host.staff.cookie])
            #expect(form.status == .seeOther)
            let location = try #require(form.headers[.location])
            #expect(location == "/staff/interviews/\(fixture.id)?notice=corrected&masked=mobile#entry-\(entryID)")
            let console = try await client.execute(
                uri: String(location.prefix { $0 != "#" }), method: .get, headers: host.staff.headers())
            #expect(console.text.contains("更正中的个人信息已遮盖后发布：手机号"))
            #expect(!console.text.contains(PrivacyFixture.phone))
            // Unknown kinds in the address are never echoed.
            let forged = try await client.execute(
                uri: "/staff/interviews/\(fixture.id)?notice=corrected&masked=%3Cb%3E", method: .get, headers: host.staff.headers())
            #expect(!forged.text.contains("遮盖后发布"))
        }
    }

    @Test("the console socket lets in only those the REST rules let run or watch the interview")
    func consoleSocketChecksOwnership() async throws {
        try await PrivacyFixture.run { client, fixture in
            let expected: [(String, HTTPResponse.Status)] = [
                ("host", .ok), ("guest1", .ok), ("mod", .ok), ("root", .ok), ("other-host", .forbidden), ("guest2", .forbidden),
            ]
            for (username, status) in expected {
                // A plain GET (no upgrade) shows what a handshake would get:
                // 426 "upgrade required" once the checks pass.
                let response = try await fixture.get("/live/interviews/\(fixture.id)/console", as: username)
                #expect(response.status == (status == .ok ? .init(code: 426) : status), "\(username) got \(response.status)")
                // The same as the console page.
                let page = try await fixture.get("/staff/interviews/\(fixture.id)", as: username)
                #expect(page.status == status, "\(username) got \(page.status) for the page")
            }
        }
    }

    @Test("over a real socket: another interview's host is refused at the handshake; the host gets the stream")
    func consoleSocketRefusesOtherHosts() async throws {
        let server = try await TestServer()
        try await PrivacyFixture.addStaff(server)
        try await server.testLive { client in
            let fixture = try await PrivacyFixture.start(client)
            let other = try await client.logIn("other-host")
            var foreign = WebSocketClientConfiguration()
            foreign.additionalHeaders = [.cookie: other.cookie]
            await #expect(throws: (any Error).self) {
                try await client.ws("/live/interviews/\(fixture.id)/console", configuration: foreign) { _, _, _ in }
            }
            let frames = try await liveFrames(
                client, "/live/interviews/\(fixture.id)/console", cookie: fixture.host.staff.cookie, until: #""type":"hello""#)
            #expect(frames.contains { $0.contains(#""type":"hello""#) })
        }
    }
}

struct CorrectionResponse: Decodable {
    struct Span: Decodable {
        var kind: String
        var masked: String
    }
    var masked: [Span]
}
