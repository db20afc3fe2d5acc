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

@Suite("Moderation queue over HTTP")
struct ModerationQueueTests {
    func decision(_ client: some TestClientProtocol, _ id: Int64, _ body: String, as credentials: StaffCredentials) async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/api/v1/moderation/items/\(id)/decision", method: .post, headers: credentials.headers(csrf: true, json: true),
            body: ByteBuffer(string: body))
    }

    @Test(arguments: ServerTestBackend.underTest) func queueListsPendingItemsWithFlagsAndFilters(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("mod", role: .moderator)
        try await server.submit("请问法律援助怎么申请？")
        try await server.submit("你就是个傻逼，电话13812345678", kind: .letter, author: "张三")
        server.clock.advance(by: 600)
        try await server.submit("这是内部资料")
        try await server.test { client in
            let mod = try await client.logIn("mod")
            let all = try await client.execute(uri: "/api/v1/moderation/items", method: .get, headers: mod.headers())
            #expect(all.status == .ok)
            let items = try JSONDecoder.iso.decode(ItemsBody.self, from: Data(buffer: all.body)).items
            #expect(items.count == 3)
            let abusive = try #require(items.first { $0.kind == "letter" })
            #expect(abusive.flags.map(\.category) == ["abuse"])
            #expect(abusive.categories == ["abuse", "personal_information"])
            #expect(abusive.highestAction == "hold")
            #expect(abusive.maskedText == "你就是个傻逼，电话138****5678")
            let span = abusive.flags[0]
            #expect(Array("你就是个傻逼，电话13812345678".utf16)[span.start..<span.end].count == 2)

            let byCategory = try await client.execute(uri: "/api/v1/moderation/items?category=abuse", method: .get, headers: mod.headers())
            #expect(try JSONDecoder.iso.decode(ItemsBody.self, from: Data(buffer: byCategory.body)).items.count == 1)
            let byKind = try await client.execute(uri: "/api/v1/moderation/items?kind=question", method: .get, headers: mod.headers())
            #expect(try JSONDecoder.iso.decode(ItemsBody.self, from: Data(buffer: byKind.body)).items.count == 2)
            let old = try await client.execute(uri: "/api/v1/moderation/items?minAgeMinutes=5", method: .get, headers: mod.headers())
            #expect(try JSONDecoder.iso.decode(ItemsBody.self, from: Data(buffer: old.body)).items.count == 2)
            let bad = try await client.execute(uri: "/api/v1/moderation/items?state=maybe", method: .get, headers: mod.headers())
            #expect(bad.status == .unprocessableContent)
        }
    }

    @Test("two moderators racing on one item: one wins, the other is told who", arguments: ServerTestBackend.underTest)
    func racingModerators(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        try await server.addStaff("wang", role: .moderator)
        let item = try await server.submit("请问公证处周末上班吗")
        try await server.test { client in
            let li = try await client.logIn("li")
            let wang = try await client.logIn("wang")
            async let first = decision(client, item.id, #"{"action":"approve"}"#, as: li)
            async let second = decision(client, item.id, #"{"action":"reject","reason":"off_topic"}"#, as: wang)
            let statuses = try await [first.status, second.status]
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 1)
            let again = try await decision(client, item.id, #"{"action":"approve"}"#, as: wang)
            #expect(again.status == .conflict)
            #expect(try again.problem().detail?.hasPrefix("already handled by ") == true)
        }
        let audit = try await server.database.audit.auditEntries().filter { $0.subjectType == "moderation_item" }
        #expect(audit.count == 1)
    }

    @Test(arguments: ServerTestBackend.underTest) func claimsKeepOthersOffUntilTheyTimeOut(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator, department: "办公室")
        try await server.addStaff("wang", role: .moderator)
        let item = try await server.submit("请问如何预约开放日")
        try await server.test { client in
            let li = try await client.logIn("li")
            let wang = try await client.logIn("wang")
            let claim = try await client.execute(
                uri: "/api/v1/moderation/items/\(item.id)/claim", method: .post, headers: li.headers(csrf: true))
            #expect(claim.status == .ok)
            #expect(claim.text.contains(#""claimedBy":"Li""#))
            let blocked = try await decision(client, item.id, #"{"action":"approve"}"#, as: wang)
            #expect(blocked.status == .conflict)
            #expect(try blocked.problem().detail == "already being handled by Li")
            server.clock.advance(by: ModerationPolicy.claimTimeout + 1)
            let later = try await decision(client, item.id, #"{"action":"approve"}"#, as: wang)
            #expect(later.status == .ok)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func heldItemsNeedAnOverrideAndRejectionsAStandardReason(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        let held = try await server.submit("你们这帮人渣")
        let other = try await server.submit("普通问题")
        try await server.test { client in
            let li = try await client.logIn("li")
            let refused = try await decision(client, held.id, #"{"action":"approve"}"#, as: li)
            #expect(refused.status == .unprocessableContent)
            #expect(try refused.problem().errors?.first?.field == "override")
            let overridden = try await decision(client, held.id, #"{"action":"approve","override":true}"#, as: li)
            #expect(overridden.status == .ok)
            #expect(overridden.text.contains(#""holdOverridden":true"#))

            let unknownReason = try await decision(client, other.id, #"{"action":"reject","reason":"boring"}"#, as: li)
            #expect(unknownReason.status == .unprocessableContent)
            let noReason = try await decision(client, other.id, #"{"action":"reject"}"#, as: li)
            #expect(noReason.status == .unprocessableContent)
            let badAction = try await decision(client, other.id, #"{"action":"publish"}"#, as: li)
            #expect(badAction.status == .unprocessableContent)
        }
        let actions = try await server.database.audit.auditEntries().map(\.action)
        #expect(actions.contains("moderation.approve_override"))
    }

    @Test(arguments: ServerTestBackend.underTest) func editingKeepsTheOriginalAndMasksTheEdit(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        try await server.addStaff("root", role: .admin)
        let item = try await server.submit("请回电13812345678，谢谢", author: "李四")
        try await server.test { client in
            let li = try await client.logIn("li")
            let stale = try await decision(client, item.id, #"{"action":"edit","text":"请回电，谢谢","version":99}"#, as: li)
            #expect(stale.status == .conflict)
            let edited = try await decision(
                client, item.id, #"{"action":"edit","text":"请回电 139 1234 5678，谢谢","version":\#(item.version)}"#, as: li)
            #expect(edited.status == .ok)
            // The moderator sees the text masked, even the edit they typed.
            let body = try JSONDecoder.iso.decode(ItemBody.self, from: Data(buffer: edited.body))
            #expect(body.state == "edited")
            #expect(body.text == "请回电138****5678，谢谢")
            #expect(body.editedText == "请回电 139****5678，谢谢")
            #expect(body.maskedText == "请回电 139****5678，谢谢")
            // An admin reads both as written.
            let root = try await client.logIn("root")
            let full = try JSONDecoder.iso.decode(
                ItemBody.self,
                from: Data(buffer: try await client.execute(uri: "/api/v1/moderation/items/\(item.id)", method: .get, headers: root.headers()).body))
            #expect(full.text == "请回电13812345678，谢谢")
            #expect(full.editedText == "请回电 139 1234 5678，谢谢")
        }
        let entry = try #require(try await server.database.audit.auditEntries().first { $0.action == "moderation.edit_approve" })
        #expect(entry.beforeJson?.contains("请回电13812345678") == true)
        #expect(entry.afterJson?.contains("请回电 139 1234 5678") == true)
    }

    @Test(arguments: ServerTestBackend.underTest) func bulkDecisionsReportEachItem(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        let a = try await server.submit("问题一")
        let b = try await server.submit("问题二")
        let held = try await server.submit("傻逼问题")
        try await server.test { client in
            let li = try await client.logIn("li")
            let response = try await client.execute(
                uri: "/api/v1/moderation/bulk", method: .post, headers: li.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"ids":[\#(a.id),\#(b.id),\#(held.id),999],"action":"approve"}"#))
            #expect(response.status == .ok)
            let results = try JSONDecoder.iso.decode(BulkBody.self, from: Data(buffer: response.body)).results
            #expect(results.map(\.ok) == [true, true, false, false])
            let empty = try await client.execute(
                uri: "/api/v1/moderation/bulk", method: .post, headers: li.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"ids":[],"action":"approve"}"#))
            #expect(empty.status == .unprocessableContent)
        }
    }

    /// Found by the API fuzzer: the note's limit held only where the store
    /// rejected an item, so a bulk action answered 200 with every item
    /// failing, and an approval dropped the note.
    @Test(arguments: ServerTestBackend.underTest) func aNoteOverTheLimitIsRefusedBeforeAnyItem(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        let item = try await server.submit("问题三")
        try await server.test { client in
            let li = try await client.logIn("li")
            let note = String(repeating: "长", count: ModerationPolicy.maxNoteLength + 1)
            for action in ["approve", "reject"] {
                let bulk = try await client.execute(
                    uri: "/api/v1/moderation/bulk", method: .post, headers: li.headers(csrf: true, json: true),
                    body: ByteBuffer(string: #"{"ids":[\#(item.id)],"action":"\#(action)","reason":"spam","note":"\#(note)"}"#))
                #expect(bulk.status == .unprocessableContent, "\(action)")
                #expect(try bulk.problem().errors?.map(\.field) == ["note"])
                let one = try await client.execute(
                    uri: "/api/v1/moderation/items/\(item.id)/decision", method: .post, headers: li.headers(csrf: true, json: true),
                    body: ByteBuffer(string: #"{"action":"\#(action)","reason":"spam","note":"\#(note)"}"#))
                #expect(one.status == .unprocessableContent, "\(action)")
            }
        }
        #expect(try await server.database.moderation.moderationItem(id: item.id).state == .pending)
    }

    @Test(arguments: ServerTestBackend.underTest) func textThatIsEmptyOrTooLongNeverEntersTheQueue(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        await #expect(throws: StoreError.self) { try await server.submit("   ") }
        await #expect(throws: StoreError.self) { try await server.submit(String(repeating: "长", count: 5001)) }
        #expect(try await server.database.moderation.moderationQueue(.init(), at: testStart).isEmpty)
    }

    @Test(arguments: ServerTestBackend.underTest) func checkAndReloadEndpoints(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        try await server.addStaff("root", role: .admin)
        try await server.test { client in
            let li = try await client.logIn("li")
            let check = try await client.execute(
                uri: "/api/v1/moderation/check", method: .post, headers: li.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"text":"加 微 信，电话13812345678"}"#))
            #expect(check.status == .ok)
            #expect(check.text.contains(#""action":"reject""#))
            #expect(check.text.contains("138****5678"))
            let empty = try await client.execute(
                uri: "/api/v1/moderation/check", method: .post, headers: li.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"text":""}"#))
            #expect(empty.status == .unprocessableContent)

            let root = try await client.logIn("root")
            let reload = try await client.execute(uri: "/api/v1/moderation/reload", method: .post, headers: root.headers(csrf: true))
            #expect(reload.status == .ok)
            #expect(reload.text.contains(#""category":"abuse""#))
            let reasons = try await client.execute(uri: "/api/v1/moderation/reasons", method: .get, headers: li.headers())
            #expect(reasons.text.contains("litigation_or_petition"))
        }
    }
}

@Suite("Moderation console pages")
struct ModerationConsoleTests {
    @Test(arguments: ServerTestBackend.underTest) func consoleHighlightsMatchesAndEscapesText(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        let item = try await server.submit("<b>你就是个傻逼</b>")
        try await server.test { client in
            let li = try await client.logIn("li")
            let page = try await client.execute(uri: "/moderation", method: .get, headers: li.headers())
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<mark class="hl abuse" title="辱骂">傻逼</mark>"#))
            #expect(page.text.contains("&lt;b&gt;你就是个"))
            #expect(!page.text.contains("<b>你就是个"))
            let card = try await client.execute(uri: "/moderation/items/\(item.id)/card", method: .get, headers: li.headers())
            #expect(card.status == .ok)
            #expect(card.text.hasPrefix("<article"))
            #expect(!card.text.contains("<html"))
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func formsDecideAndRedirectOrShowTheConflict(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        try await server.addStaff("wang", role: .moderator)
        let item = try await server.submit("请问开放日在哪天")
        try await server.test { client in
            let li = try await client.logIn("li")
            let wang = try await client.logIn("wang")
            let rejected = try await client.postForm(
                "/moderation/items/\(item.id)/reject", "_csrf=\(li.csrfToken)&reason=duplicate&note=%E5%90%8C%E4%B8%8A",
                headers: [.cookie: li.cookie])
            #expect(rejected.status == .seeOther)
            #expect(rejected.headers[.location]?.hasPrefix("/moderation?notice=rejected") == true)
            let late = try await client.postForm(
                "/moderation/items/\(item.id)/approve", "_csrf=\(wang.csrfToken)", headers: [.cookie: wang.cookie])
            #expect(late.status == .conflict)
            #expect(late.text.contains("already handled by Li"))
            let decided = try await client.execute(uri: "/moderation?state=rejected", method: .get, headers: li.headers())
            #expect(decided.text.contains("与已有内容重复"))
            #expect(decided.text.contains("(同上)"))
        }
    }

    @Test("the notice banner shows only fixed messages keyed by code, never text from the link", arguments: ServerTestBackend.underTest)
    func noticeBannerNeverEchoesTheQuery(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        try await server.addStaff("host", role: .host)
        try await server.test { client in
            let li = try await client.logIn("li")
            func banner(_ query: String) async throws -> String? {
                let page = try await client.execute(uri: "/moderation?\(query)", method: .get, headers: li.headers())
                #expect(page.status == .ok)
                return CitizenMailbox.testID("notice", in: page.text)
            }
            #expect(try await banner("notice=approved") == "已通过。")
            #expect(try await banner("notice=bulk&done=3&failed=1") == "批量处理完成：成功 3 条，失败 1 条。")
            // Text in the link never reaches the page.
            let phishing = "%E8%AF%B7%E7%94%A8%E5%BE%AE%E4%BF%A1%E8%81%94%E7%B3%BB"  // 请用微信联系
            for query in [
                "notice=\(phishing)", "notice=approved.x", "notice=..%2Fnotices.bulk", "notice=bulk&done=\(phishing)&failed=0",
                "notice=bulk&done=999999&failed=0", "notice=bulk&done=-1&failed=2",
            ] {
                let page = try await client.execute(uri: "/moderation?\(query)", method: .get, headers: li.headers())
                #expect(!page.text.contains("请用微信联系"), "\(query)")
                #expect(!page.text.contains("moderation.notices"), "\(query)")
                let shown = CitizenMailbox.testID("notice", in: page.text)
                #expect(shown == nil || shown == "批量处理完成。", "\(query): \(shown ?? "")")
            }
            #expect(try await banner("notice=\(phishing)") == nil)
            #expect(try await banner("notice=bulk&done=\(phishing)&failed=0") == "批量处理完成。")
            // The interview console's banner follows the same rule.
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            let console = try await client.execute(
                uri: "/staff/interviews/\(id)?notice=\(phishing)", method: .get, headers: host.staff.headers())
            #expect(console.status == .ok)
            #expect(!console.text.contains("请用微信联系"))
            #expect(!console.text.contains("interviews.notices"))
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func auditLogForAdminsOnly(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("root", role: .admin)
        try await server.addStaff("li", role: .moderator)
        try await server.test { client in
            let root = try await client.logIn("root")
            let li = try await client.logIn("li")
            let page = try await client.execute(uri: "/admin/audit?actor=li", method: .get, headers: root.headers())
            #expect(page.status == .ok)
            #expect(page.text.contains("session.login"))
            let json = try await client.execute(uri: "/api/v1/audit?since=2026-11-01", method: .get, headers: root.headers())
            #expect(json.text.contains("staff_user.create"))
            let bad = try await client.execute(uri: "/api/v1/audit?since=yesterday", method: .get, headers: root.headers())
            #expect(bad.status == .unprocessableContent)
            let denied = try await client.execute(uri: "/api/v1/audit", method: .get, headers: li.headers())
            #expect(denied.status == .forbidden)
        }
    }
}

@Suite("Moderation queue over WebSocket")
struct ModerationLiveTests {
    @Test(arguments: ServerTestBackend.underTest) func moderatorsSeeChangesLiveAndOtherOriginsAreRefused(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("li", role: .moderator)
        let item = try await server.submit("请问如何申请法律援助")
        try await server.testLive { client in
            let li = try await client.logIn("li")
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders = [.cookie: li.cookie]
            let frames = try await Self.framesUntilDecided(client, approving: item.id, as: li)
            #expect(frames.contains { $0.contains(#""type":"moderation.item""#) && $0.contains(#""state":"approved""#) })

            // Without a session: refused at the handshake.
            await #expect(throws: (any Error).self) {
                try await client.ws("/live/moderation") { _, _, _ in }
            }
            // With a session but from another site's page: refused too.
            var foreign = configuration
            foreign.additionalHeaders[.origin] = "https://evil.example"
            await #expect(throws: (any Error).self) {
                try await client.ws("/live/moderation", configuration: foreign) { _, _, _ in }
            }
        }
    }
}

extension ModerationLiveTests {
    /// Opens the moderation socket as `credentials`, approves `itemID`
    /// through the API once connected, and returns the frames received up
    /// to the decision.
    static func framesUntilDecided(_ client: some TestClientProtocol, approving itemID: Int64, as credentials: StaffCredentials) async throws
        -> [String]
    {
        try await liveFrames(client, "/live/moderation", cookie: credentials.cookie, until: #""change":"decided""#) {
            // Act once connected: a decision through the API.
            try await Task.sleep(for: .milliseconds(100))
            _ = try await client.execute(
                uri: "/api/v1/moderation/items/\(itemID)/decision", method: .post,
                headers: credentials.headers(csrf: true, json: true), body: ByteBuffer(string: #"{"action":"approve"}"#))
        }
    }
}

/// The text frames a staff socket at `path` sends until one contains
/// `marker`; `whileOpen` runs once the socket is open.
func liveFrames(
    _ client: some TestClientProtocol, _ path: String, cookie: String, until marker: String,
    whileOpen: @escaping @Sendable () async throws -> Void = {}
) async throws -> [String] {
    var configuration = WebSocketClientConfiguration()
    configuration.additionalHeaders = [.cookie: cookie]
    let received = ReceivedFrames()
    _ = try await client.ws(path, configuration: configuration) { inbound, outbound, _ in
        Task { try await whileOpen() }
        for try await message in inbound.messages(maxSize: 1 << 20) {
            if case .text(let text) = message {
                await received.append(text)
                if text.contains(marker) { break }
            }
        }
        try await outbound.close(.normalClosure, reason: nil)
    }
    return await received.frames
}

actor ReceivedFrames {
    var frames: [String] = []
    func append(_ frame: String) { frames.append(frame) }
}

struct ItemsBody: Decodable {
    var items: [ItemBody]
}

struct ItemBody: Decodable {
    struct Flag: Decodable {
        var category: String
        var start: Int
        var end: Int
    }
    var id: Int64
    var kind: String
    var state: String
    var text: String
    var editedText: String?
    var maskedText: String
    var flags: [Flag]
    var categories: [String]
    var highestAction: String
}

struct BulkBody: Decodable {
    struct Result: Decodable {
        var id: Int64
        var ok: Bool
    }
    var results: [Result]
}

extension JSONDecoder {
    static let iso: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
