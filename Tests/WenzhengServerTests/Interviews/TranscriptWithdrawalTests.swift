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
import WenzhengStore

@testable import WenzhengServer

/// The `seq` of any numbered frame (entry, correction, withdrawal,
/// republication).
func anySeq(of frame: String) -> Int64? {
    guard !frame.contains(#""type":"hello""#), let match = frame.firstMatch(of: /"seq":(\d+)/) else { return nil }
    return Int64(match.1)
}

/// A live interview whose host read out a mobile number, and an admin.
struct WithdrawalFixture {
    static let phone = "13812345678"

    let host: InterviewDriver
    let admin: InterviewDriver
    let id: Int64
    /// The remark with the number (seq 2), and one after it (seq 3).
    let entryID: Int64

    static func start(_ server: TestServer, _ client: any TestClientProtocol) async throws -> WithdrawalFixture {
        try await server.addStaff("host", role: .host)
        try await server.addStaff("root", role: .admin)
        try await server.addStaff("mod", role: .moderator)
        let host = InterviewDriver(client: client, staff: try await client.logIn("host"))
        let admin = InterviewDriver(client: client, staff: try await client.logIn("root"))
        let id = try await host.create()
        _ = try await host.status(id, "live")  // seq 1
        let posted = try await host.post(id, "有事请打我手机\(phone)")  // seq 2
        _ = try await host.post(id, "下面请张局长回答")  // seq 3
        let entryID = try #require(try JSONDecoder.iso.decode(EntryEventBody.self, from: Data(buffer: posted.body)).entry).id
        return WithdrawalFixture(host: host, admin: admin, id: id, entryID: entryID)
    }

    func unpublish(_ reason: String = "主持人念出了个人手机号", as driver: InterviewDriver? = nil) async throws -> TestResponse {
        try await (driver ?? admin).json(.post, "/api/v1/interviews/\(id)/entries/\(entryID)/unpublish", #"{"reason":"\#(reason)"}"#)
    }

    func republish(_ body: String, as driver: InterviewDriver? = nil) async throws -> TestResponse {
        try await (driver ?? admin).json(.post, "/api/v1/interviews/\(id)/entries/\(entryID)/republish", #"{"body":"\#(body)"}"#)
    }
}

/// Every frame a viewer gets from `since` until one contains `marker`.
func frames(_ client: some TestClientProtocol, _ path: String, until marker: String, log: ReceivedFrames = ReceivedFrames()) async throws
    -> [String]
{
    _ = try await client.ws(path) { inbound, outbound, _ in
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message else { continue }
            await log.append(text)
            if text.contains(marker) { break }
        }
        try await outbound.close(.normalClosure, reason: nil)
    }
    return await log.frames
}

@Suite("Withdrawing transcript entries: API, pages and the live stream (item 23)", .serialized)
struct TranscriptWithdrawalTests {
    @Test("a viewer watching gets a numbered withdrawal, then the republication, in sequence; a new viewer's replay has no withdrawn text")
    func liveStream() async throws {
        let server = try await TestServer()
        try await server.testLive { client in
            let fixture = try await WithdrawalFixture.start(server, client)
            let watching = ReceivedFrames()
            async let watched = frames(client, "/live/interviews/\(fixture.id)?since=0", until: #""type":"republication""#, log: watching)
            // Withdraw only once the viewer has the entry, so it sees the change live.
            for _ in 0..<200 where !(await watching.frames.contains { $0.contains(WithdrawalFixture.phone) }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            let withdrawn = try await fixture.unpublish()
            #expect(withdrawn.status == .ok, "\(withdrawn.text)")
            #expect(withdrawn.text.contains(#""withdrawal""#) && withdrawn.text.contains(#""seq":4"#))
            // While withdrawn, a viewer joining from the start never gets the text
            let meanwhile = try await frames(client, "/live/interviews/\(fixture.id)?since=0", until: #""type":"withdrawal""#)
            #expect(meanwhile.compactMap(anySeq) == [1, 2, 3, 4])
            #expect(!meanwhile.joined().contains(WithdrawalFixture.phone))
            let republished = try await fixture.republish("有事请打办公室电话，或12348，我的手机13900001111")
            #expect(republished.status == .ok, "\(republished.text)")
            #expect(republished.text.contains(#""kind":"mobile""#))
            let live = try await watched
            #expect(live.compactMap(anySeq) == [1, 2, 3, 4, 5], "\(live)")
            let withdrawal = try #require(live.first { $0.contains(#""type":"withdrawal""#) })
            #expect(
                withdrawal.contains(#""seq":4"#) && withdrawal.contains(#""entryId":\#(fixture.entryID)"#)
                    && withdrawal.contains(#""entrySeq":2"#))
            #expect(!withdrawal.contains(WithdrawalFixture.phone))
            let republication = try #require(live.last)
            #expect(
                republication.contains("139****1111") && !republication.contains("13900001111") && republication.contains(#""version":2"#))

            // A new viewer from the start: gap-free, the entry without its text, then both events
            let replay = try await frames(client, "/live/interviews/\(fixture.id)?since=0", until: #""type":"republication""#)
            #expect(replay.compactMap(anySeq) == [1, 2, 3, 4, 5])
            #expect(!replay.joined().contains(WithdrawalFixture.phone))
            let entry = try #require(replay.first { anySeq(of: $0) == 2 })
            #expect(entry.contains(#""withdrawn":true"#) && !entry.contains(#""body""#))
            // A viewer that had seen seq 3 gets the withdrawal and the corrected text
            let resumed = try await frames(client, "/live/interviews/\(fixture.id)?since=3", until: #""type":"republication""#)
            #expect(resumed.compactMap(anySeq) == [4, 5])
        }
    }

    @Test("withdrawn now: the transcript API and the public page carry no text, the question list is refetched, the console shows why")
    func apiAndPages() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let fixture = try await WithdrawalFixture.start(server, client)
            // Only admins: the host of the interview is refused, before anything is read
            #expect(try await fixture.unpublish(as: fixture.host).status == .forbidden)
            let missing = try await fixture.unpublish("")
            #expect(missing.status == .unprocessableContent)
            #expect(try missing.problem().errors?.map(\.field) == ["reason"])
            #expect(try await fixture.republish("x").status == .conflict)
            #expect(try await fixture.unpublish().status == .ok)
            #expect(try await fixture.unpublish().status == .conflict)
            // A correction would publish the text at once: refused
            let corrected = try await fixture.host.json(
                .post, "/api/v1/interviews/\(fixture.id)/entries/\(fixture.entryID)/corrections", #"{"body":"更正"}"#)
            #expect(corrected.status == .conflict)

            let api = try await client.execute(uri: "/api/v1/interviews/\(fixture.id)/transcript", method: .get)
            #expect(api.status == .ok)
            #expect(!api.text.contains(WithdrawalFixture.phone) && api.text.contains(#""withdrawn":true"#))
            #expect(try JSONDecoder.iso.decode(TranscriptBody.self, from: Data(buffer: api.body)).entries.map(\.seq) == [1, 2, 3])
            let page = try await client.execute(uri: "/interviews/\(fixture.id)", method: .get)
            #expect(!page.text.contains(WithdrawalFixture.phone))
            #expect(page.text.contains(#"data-testid="entry-withdrawn""#) && page.text.contains("该内容已撤回"))

            // The console: the admin reads the text and why; a moderator only why
            let adminConsole = try await client.execute(
                uri: "/staff/interviews/\(fixture.id)", method: .get, headers: fixture.admin.staff.headers())
            #expect(adminConsole.text.contains(WithdrawalFixture.phone) && adminConsole.text.contains("主持人念出了个人手机号"))
            #expect(adminConsole.text.contains(#"data-testid="republish-form""#))
            let mod = try await client.logIn("mod")
            let modConsole = try await client.execute(uri: "/staff/interviews/\(fixture.id)", method: .get, headers: mod.headers())
            #expect(!modConsole.text.contains(WithdrawalFixture.phone) && modConsole.text.contains("主持人念出了个人手机号"))
            #expect(
                modConsole.text.contains(#"data-testid="marker-withdrawn""#) && !modConsole.text.contains(#"data-testid="republish-form""#))
        }
    }

    @Test("the console's forms: a refused one comes back with its error and text; republication says what was masked")
    func consoleForms() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let fixture = try await WithdrawalFixture.start(server, client)
            let base = "/staff/interviews/\(fixture.id)/entries/\(fixture.entryID)"
            let form = { (path: String, fields: [(String, String)]) in
                try await client.postForm(
                    path, CitizenMailbox.form([("_csrf", fixture.admin.staff.csrfToken)] + fields),
                    headers: [.cookie: fixture.admin.staff.cookie])
            }
            let refused = try await form(base + "/unpublish", [("reason", " ")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains(#"data-testid="console-error""#) && refused.text.contains("请填写撤回理由"))
            let done = try await form(base + "/unpublish", [("reason", "个人手机号")])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/staff/interviews/\(fixture.id)?notice=unpublished#entry-\(fixture.entryID)")
            let tooLong = String(repeating: "长", count: 5001)
            let longForm = try await form(base + "/republish", [("body", tooLong)])
            #expect(longForm.status == .unprocessableContent && longForm.text.contains(tooLong))
            let again = try await form(base + "/republish", [("body", "请打13900001111")])
            #expect(again.status == .seeOther)
            #expect(again.headers[.location] == "/staff/interviews/\(fixture.id)?notice=republished&masked=mobile#entry-\(fixture.entryID)")
            let page = try await client.execute(uri: "/interviews/\(fixture.id)", method: .get)
            #expect(page.text.contains("请打139****1111") && !page.text.contains(#"data-testid="entry-withdrawn""#))
        }
    }
}
