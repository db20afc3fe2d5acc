import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// Beijing 10:00 on a day.
func beijingMorning(_ day: String) -> Date {
    ISO8601DateFormatter().date(from: day + "T02:00:00Z")!
}

@Suite("Issue 9: deferred questions, late answers and paging")
struct InterviewFollowUpHTTPTests {
    /// Sessions outlive the clock jumps of these tests.
    func server() async throws -> TestServer {
        let server = try await TestServer { $0.sessionLifetime = 60 * 24 * 3600 }
        try await server.addStaff("host", role: .host)
        try await server.addStaff("mod", role: .moderator)
        return server
    }

    /// Signs in as the host and creates an open interview with `questions`
    /// asked and approved.
    func openInterview(_ client: any TestClientProtocol, questions: [String]) async throws -> (InterviewDriver, Int64) {
        let (host, id) = try await InterviewDriver.signInAndCreate(client)
        _ = try await host.status(id, "open")
        for question in questions { _ = try await host.ask(id, question) }
        try await client.approvePending(as: "mod")
        return (host, id)
    }

    /// The deferred list as `host` gets it with `query`.
    func deferred(_ host: InterviewDriver, _ query: String = "") async throws -> (questions: [StaffQuestion], more: Bool) {
        let body = try JSONDecoder.iso.decode(DeferredListBody.self, from: Data(buffer: try await host.json(.get, "/api/v1/deferred-questions" + query).body))
        return (body.questions, body.more)
    }

    @Test("late December: the deadline is provisional; late answers show 受理日期, 答复日期, 答复部门; on time and overdue are flagged")
    func deferredFollowUp() async throws {
        let server = try await server()
        server.clock.set(beijingMorning("2026-12-21"))
        try await server.test { client in
            let (host, id) = try await openInterview(client, questions: ["第一个问题", "第二个问题"])
            _ = try await host.status(id, "live")
            server.clock.set(beijingMorning("2026-12-22"))
            _ = try await host.status(id, "ended")  // due 2026-12-29, before the 2027 notice
            let open = try await deferred(host)
            #expect(open.questions.map(\.replyDueOn) == ["2026-12-29", "2026-12-29"])
            #expect(open.questions.map(\.replyDueProvisional) == [true, true])
            #expect(open.questions.map(\.receivedOn) == ["2026-12-21", "2026-12-21"])
            #expect(open.questions.map(\.overdue) == [false, false])

            server.clock.set(beijingMorning("2026-12-23"))
            let answered = open.questions[0].id
            #expect(try await host.post(id, "已答复。", kind: "answer", question: answered).status == .created)
            server.clock.set(beijingMorning("2026-12-30"))
            let list = try await deferred(host)
            let byID = Dictionary(uniqueKeysWithValues: list.questions.map { ($0.id, $0) })
            #expect(byID[answered]?.answeredOn == "2026-12-23")
            #expect(byID[answered]?.answerDepartment == "司法厅")
            #expect(byID[answered]?.answeredOnTime == true)
            #expect(byID[answered]?.overdue == false)
            let unanswered = try #require(list.questions.first { $0.id != answered })
            #expect(unanswered.overdue == true)
            #expect(unanswered.answeredOnTime == nil)
            #expect(list.questions.first?.id == unanswered.id, "open questions come first")

            let page = try await client.execute(uri: "/staff/interviews/deferred", method: .get, headers: host.staff.headers())
            #expect(page.text.contains(#"data-testid="marker-provisional""#))
            #expect(page.text.contains(#"data-testid="marker-overdue""#))
            #expect(page.text.contains(#"data-testid="marker-on-time""#))
            #expect(page.text.contains("受理日期 2026-12-21"))
            #expect(page.text.contains("答复日期 2026-12-23 · 答复部门 司法厅"))
            let onlyOpen = try await client.execute(uri: "/staff/interviews/deferred?state=open", method: .get, headers: host.staff.headers())
            #expect(!onlyOpen.text.contains(#"data-testid="marker-on-time""#))

            // The public transcript shows the late answer with its dates and department.
            _ = try await host.status(id, "published")
            let publicPage = try await client.execute(uri: "/interviews/\(id)", method: .get)
            #expect(publicPage.text.contains("受理日期 2026-12-21 · 答复日期 2026-12-23 · 答复部门 司法厅"))
            let transcript = try await client.execute(uri: "/api/v1/interviews/\(id)/transcript", method: .get)
            #expect(transcript.text.contains(#""department":"司法厅""#))
        }
    }

    @Test("the deferred list pages, with a maximum page size and clear problems for bad parameters")
    func deferredListPages() async throws {
        let server = try await server()
        try await server.test { client in
            let (host, id) = try await openInterview(client, questions: (0..<3).map { "问题\($0)" })
            _ = try await host.status(id, "live")
            _ = try await host.status(id, "ended")
            let first = try await deferred(host, "?limit=2")
            #expect(first.questions.count == 2 && first.more)
            let rest = try await deferred(host, "?limit=2&offset=2")
            #expect(rest.questions.count == 1 && !rest.more)
            #expect(Set(first.questions.map(\.id) + rest.questions.map(\.id)).count == 3)
            let bad = try await host.json(.get, "/api/v1/deferred-questions?limit=201&offset=-1&state=someday&interview=x")
            #expect(bad.status == .unprocessableContent)
            #expect(Set(try bad.problem().errors?.map(\.field) ?? []) == ["limit", "offset", "state", "interview"])
            let badPage = try await client.execute(uri: "/staff/interviews/deferred?page=0", method: .get, headers: host.staff.headers())
            #expect(badPage.status == .unprocessableContent)
        }
    }

    @Test("transcripts come a bounded page at a time, in the API and on the pages")
    func transcriptsArePaged() async throws {
        let server = try await server()
        try await server.test { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            _ = try await host.status(id, "live")  // seq 1
            let count = InterviewRules.transcriptPageSize + 4
            for index in 0..<count { _ = try await host.post(id, "发言\(index)") }  // seqs 2...205
            let total = Int64(count + 1)

            let first = try JSONDecoder.iso.decode(PagedTranscript.self, from: Data(buffer: try await client.execute(uri: "/api/v1/interviews/\(id)/transcript", method: .get).body))
            #expect(first.entries.count == InterviewRules.transcriptPageSize)
            #expect(first.more)
            let next = try JSONDecoder.iso.decode(
                PagedTranscript.self,
                from: Data(buffer: try await client.execute(uri: "/api/v1/interviews/\(id)/transcript?since=\(first.entries.last!.seq)", method: .get).body))
            #expect(next.entries.map(\.seq) == Array((Int64(InterviewRules.transcriptPageSize) + 1)...total))
            #expect(!next.more)
            let small = try JSONDecoder.iso.decode(
                PagedTranscript.self, from: Data(buffer: try await client.execute(uri: "/api/v1/interviews/\(id)/transcript?since=3&limit=2", method: .get).body))
            #expect(small.entries.map(\.seq) == [4, 5])
            let tooMany = try await client.execute(uri: "/api/v1/interviews/\(id)/transcript?limit=1001", method: .get)
            #expect(tooMany.status == .unprocessableContent)
            #expect(try tooMany.problem().errors?.map(\.field) == ["limit"])

            // The live page shows the newest entries and links to the earlier ones.
            let page = try await client.execute(uri: "/interviews/\(id)", method: .get)
            #expect(page.text.components(separatedBy: #"<li class="entry "#).count - 1 == InterviewRules.transcriptPageSize)
            #expect(page.text.contains(#"data-seq="\#(total)""#))
            #expect(!page.text.contains(#"data-seq="1""#))
            let firstShown = total - Int64(InterviewRules.transcriptPageSize) + 1
            #expect(page.text.contains(#"href="/interviews/\#(id)?before=\#(firstShown)#transcript""#))
            #expect(page.text.contains("/static/js/interview.js"))
            let earlier = try await client.execute(uri: "/interviews/\(id)?before=\(firstShown)", method: .get)
            #expect(earlier.text.contains(#"data-seq="1""#))
            #expect(earlier.text.contains(#"?after=\#(firstShown - 1)#transcript"#))
            // An earlier page does not follow the live stream.
            #expect(!earlier.text.contains("/static/js/interview.js"))
            // So does the console, newest first.
            let console = try await client.execute(uri: "/staff/interviews/\(id)", method: .get, headers: host.staff.headers())
            #expect(console.text.contains(#"data-follow="1""#))
            #expect(console.text.contains("?before=\(firstShown)#console-transcript"))
            let olderConsole = try await client.execute(uri: "/staff/interviews/\(id)?before=\(firstShown)", method: .get, headers: host.staff.headers())
            #expect(olderConsole.text.contains(#"data-follow="0""#))
            #expect(try await client.execute(uri: "/interviews/\(id)?after=x", method: .get).status == .unprocessableContent)
        }
    }
}

/// The deferred list, decoded with the store's own type.
struct DeferredListBody: Decodable {
    var questions: [StaffQuestion]
    var more: Bool
}

struct PagedTranscript: Decodable {
    struct Entry: Decodable { var seq: Int64 }
    var entries: [Entry]
    var more: Bool
}
