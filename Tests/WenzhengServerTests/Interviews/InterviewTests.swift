import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// Helpers for driving an interview through the API.
struct InterviewDriver {
    let client: any TestClientProtocol
    let staff: StaffCredentials

    func json(_ method: HTTPRequest.Method, _ uri: String, _ body: String = "") async throws -> TestResponse {
        try await client.execute(
            uri: uri, method: method, headers: staff.headers(csrf: true, json: true), body: body.isEmpty ? nil : ByteBuffer(string: body))
    }

    /// Signs in as `host` (a staff member the test added) and creates an
    /// interview: how most interview tests begin.
    static func signInAndCreate(_ client: any TestClientProtocol) async throws -> (InterviewDriver, Int64) {
        let host = InterviewDriver(client: client, staff: try await client.logIn("host"))
        return (host, try await host.create())
    }

    func create(title: String = "法律援助在线访谈", guests: String = #"[{"name":"张三","title":"副厅长","department":"司法厅"}]"#) async throws -> Int64 {
        let response = try await json(
            .post, "/api/v1/interviews",
            #"{"title":"\#(title)","summary":"简介","scheduledStart":"2026-12-03T02:00:00Z","plannedMinutes":90,"guests":\#(guests)}"#)
        #expect(response.status == .created, "\(response.text)")
        return try JSONDecoder.iso.decode(IDBody.self, from: Data(buffer: response.body)).id
    }

    func status(_ id: Int64, _ status: String) async throws -> TestResponse {
        try await json(.post, "/api/v1/interviews/\(id)/status", #"{"status":"\#(status)"}"#)
    }

    func post(_ id: Int64, _ body: String, kind: String = "remark", question: Int64? = nil) async throws -> TestResponse {
        let questionPart = question.map { #","questionId":\#($0)"# } ?? ""
        return try await json(.post, "/api/v1/interviews/\(id)/entries", #"{"kind":"\#(kind)","body":"\#(body)"\#(questionPart)}"#)
    }

    func ask(_ id: Int64, _ text: String, nickname: String = "张三丰", headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.postJSON("/api/v1/interviews/\(id)/questions", #"{"text":"\#(text)","nickname":"\#(nickname)","contact":"13900001111"}"#, headers: headers)
    }

    /// A new browser: the signed `wz_browser` cookie the interview's page
    /// issues, as request headers.
    func browser(_ id: Int64) async throws -> HTTPFields {
        let page = try await client.execute(uri: "/interviews/\(id)", method: .get)
        let cookie = try #require(page.headers[.setCookie]?.split(separator: ";").first)
        #expect(cookie.hasPrefix("wz_browser="))
        return [.cookie: String(cookie)]
    }
}

struct IDBody: Decodable { var id: Int64 }
struct SeqBody: Decodable { var seq: Int64 }

@Suite("Online interviews over HTTP")
struct InterviewHTTPTests {
    @Test("an interview from announcement to published transcript")
    func lifecycle() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.addStaff("mod", role: .moderator)
        try await server.test { client in
            var host = InterviewDriver(client: client, staff: try await client.logIn("host"))
            let mod = try await client.logIn("mod")
            let id = try await host.create()
            // Not announced: hidden from the public.
            #expect(try await client.execute(uri: "/api/v1/interviews/\(id)", method: .get).status == .notFound)
            #expect(try await host.ask(id, "现在能提问吗").status == .notFound)
            #expect(try await host.status(id, "open").status == .ok)

            let asked = try await host.ask(id, "请问法律援助怎么申请？电话13812345678")
            #expect(asked.status == .created)
            #expect(!asked.text.contains("13900001111"))
            let second = try await host.ask(id, "公证处周末上班吗")
            #expect(second.status == .created)
            let items = try JSONDecoder.iso.decode(
                ItemsBody.self,
                from: Data(buffer: try await client.execute(uri: "/api/v1/moderation/items?kind=question", method: .get, headers: mod.headers()).body)
            ).items
            #expect(items.count == 2)
            for item in items {
                let decided = try await client.execute(
                    uri: "/api/v1/moderation/items/\(item.id)/decision", method: .post, headers: mod.headers(csrf: true, json: true),
                    body: ByteBuffer(string: #"{"action":"approve"}"#))
                #expect(decided.status == .ok)
            }
            let publicQuestions = try await client.execute(uri: "/api/v1/interviews/\(id)/questions", method: .get)
            #expect(publicQuestions.text.contains("138****5678"))
            #expect(!publicQuestions.text.contains("13812345678"))
            #expect(!publicQuestions.text.contains("13900001111"))
            #expect(publicQuestions.text.contains("张**"))

            // One vote per browser.
            let questionIDs = try JSONDecoder.iso.decode(QuestionsBody.self, from: Data(buffer: publicQuestions.body)).questions.map(\.id)
            let browser = try await host.browser(id)
            let firstVote = try await client.execute(
                uri: "/api/v1/interviews/\(id)/questions/\(questionIDs[0])/vote", method: .post, headers: browser)
            #expect(firstVote.text.contains(#""counted":true"#))
            let again = try await client.execute(
                uri: "/api/v1/interviews/\(id)/questions/\(questionIDs[0])/vote", method: .post, headers: browser)
            #expect(again.text.contains(#""counted":false"#))
            #expect(again.text.contains(#""votes":1"#))

            #expect(try await host.status(id, "live").status == .ok)
            let queue = try await host.json(.get, "/api/v1/interviews/\(id)/queue")
            #expect(queue.status == .ok)
            let onAir = try await host.json(.post, "/api/v1/interviews/\(id)/questions/\(questionIDs[0])/on-air")
            #expect(onAir.status == .ok)
            #expect(onAir.text.contains(#""kind":"question""#))
            #expect(onAir.text.contains(#""author":"张**""#))
            let answer = try await host.post(id, "符合条件即可申请。", kind: "answer", question: questionIDs[0])
            #expect(answer.status == .created)
            #expect(answer.text.contains(#""author":"张三""#))
            #expect(try await host.post(id, "感谢张厅长。").status == .created)

            // Ending defers the unanswered question with a 5-working-day deadline.
            server.clock.set(ISO8601DateFormatter().date(from: "2026-12-04T06:00:00Z")!)  // a Friday, Beijing time
            host = InterviewDriver(client: client, staff: try await client.logIn("host"))  // the old session expired
            #expect(try await host.status(id, "ended").status == .ok)
            let deferred = try await host.json(.get, "/api/v1/deferred-questions")
            #expect(deferred.text.contains(#""replyDueOn":"2026-12-11""#))
            #expect(deferred.text.contains("13900001111"))  // staff see the contact
            #expect(try await host.post(id, "结束后的发言").status == .conflict)
            let late = try await host.post(id, "周末不上班，可预约。", kind: "answer", question: questionIDs[1])
            #expect(late.status == .created)
            #expect(late.text.contains(#""late":true"#))
            #expect(try await host.status(id, "published").status == .ok)

            let transcript = try await client.execute(uri: "/api/v1/interviews/\(id)/transcript", method: .get)
            let entries = try JSONDecoder.iso.decode(TranscriptBody.self, from: Data(buffer: transcript.body)).entries
            #expect(entries.map(\.seq) == Array(1...Int64(entries.count)))
            #expect(entries.map(\.kind) == ["system", "question", "answer", "remark", "system", "answer", "system"])
            let page = try await client.execute(uri: "/interviews/\(id)", method: .get)
            #expect(page.text.contains("补录"))
            #expect(page.text.contains("周末不上班，可预约。"))
        }
    }

    @Test func badInputAndStaleActions() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.addStaff("guest1", role: .guest)
        try await server.test { client in
            let host = InterviewDriver(client: client, staff: try await client.logIn("host"))
            #expect(try await client.execute(uri: "/api/v1/interviews/999", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/interviews/999", method: .get).status == .notFound)
            let id = try await host.create()
            #expect(try await host.status(id, "ended").status == .conflict)
            #expect(try await host.status(id, "someday").status == .unprocessableContent)
            #expect(try await host.status(id, "open").status == .ok)
            let long = try await host.ask(id, String(repeating: "问", count: 501))
            #expect(long.status == .unprocessableContent)
            #expect(try long.problem().detail?.contains("500") == true)
            let empty = try await host.ask(id, "  ")
            #expect(empty.status == .unprocessableContent)
            #expect(try await host.post(id, "还没开始").status == .conflict)
            #expect(try await host.status(id, "live").status == .ok)
            #expect(try await host.post(id, "").status == .unprocessableContent)
            let guest = try await client.logIn("guest1")
            let remarkAsGuest = try await client.execute(
                uri: "/api/v1/interviews/\(id)/entries", method: .post, headers: guest.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"kind":"remark","body":"我来主持"}"#))
            // guest1 is not a guest of this interview at all.
            #expect(remarkAsGuest.status == .forbidden)
            #expect(try await host.status(id, "ended").status == .ok)
            let tooLate = try await host.ask(id, "还能问吗")
            #expect(tooLate.status == .conflict)
            #expect(try tooLate.problem().detail?.contains("not taking questions") == true)
            let badSince = try await client.execute(uri: "/api/v1/interviews/\(id)/transcript?since=-3", method: .get)
            #expect(badSince.status == .unprocessableContent)
        }
    }

    @Test func questionsAreRateLimitedPerBrowser() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.test { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            _ = try await host.status(id, "open")
            let browser = try await host.browser(id)
            for index in 0..<5 {
                #expect(try await host.ask(id, "问题\(index)", headers: browser).status == .created)
            }
            let sixth = try await host.ask(id, "问题5", headers: browser)
            #expect(sixth.status == .tooManyRequests)
            #expect(sixth.headers[.retryAfter] != nil)
            // Another browser may still ask.
            #expect(try await host.ask(id, "别的浏览器", headers: try await host.browser(id)).status == .created)
        }
    }

    /// The interview is checked where the question is stored, in the
    /// transaction that counts it against the limits (the handler does not
    /// read it first): a question to one not announced is still 404 to the
    /// public, and a question the store refuses is not counted.
    @Test func questionsToAHiddenInterviewAre404AndDoNotCount() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.test { client in
            let (host, hidden) = try await InterviewDriver.signInAndCreate(client)
            let open = try await host.create(title: "另一场访谈")
            _ = try await host.status(open, "open")
            let browser = try await host.browser(open)
            for index in 0..<6 {
                let refused = try await host.ask(hidden, "问题\(index)", headers: browser)
                #expect(refused.status == .notFound)
                #expect(try refused.problem().detail == "no such interview")
            }
            #expect(try await host.ask(999, "没有这个访谈", headers: browser).status == .notFound)
            for index in 0..<5 {
                #expect(try await host.ask(open, "问题\(index)", headers: browser).status == .created)
            }
            #expect(try await host.ask(open, "问题5", headers: browser).status == .tooManyRequests)
            // Closed for questions: 409, and not counted either: a browser
            // refused six times still has its five questions for the next
            // interview.
            _ = try await host.status(open, "live")
            _ = try await host.status(open, "ended")
            let another = try await host.browser(open)
            for _ in 0..<6 {
                #expect(try await host.ask(open, "结束了", headers: another).status == .conflict)
            }
            let next = try await host.create(title: "下一场访谈")
            _ = try await host.status(next, "open")
            for index in 0..<5 {
                #expect(try await host.ask(next, "下一场问题\(index)", headers: another).status == .created)
            }
            #expect(try await host.ask(next, "下一场问题5", headers: another).status == .tooManyRequests)
        }
    }

    @Test func correctionsAreVersionedAndAudited() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.test { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            _ = try await host.status(id, "live")
            let posted = try await host.post(id, "错别字")
            let entryID = try JSONDecoder.iso.decode(EntryEventBody.self, from: Data(buffer: posted.body)).entry!.id
            let corrected = try await host.json(.post, "/api/v1/interviews/\(id)/entries/\(entryID)/corrections", #"{"body":"正确的字"}"#)
            #expect(corrected.status == .ok)
            #expect(corrected.text.contains(#""version":2"#))
            let transcript = try await client.execute(uri: "/api/v1/interviews/\(id)/transcript", method: .get)
            #expect(transcript.text.contains("正确的字"))
        }
        #expect(try await server.database.audit.auditEntries().contains { $0.action == "interview.correct_entry" && ($0.beforeJson ?? "").contains("错别字") })
    }

    @Test func pagesWorkWithoutJavaScript() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.test { client in
            let host = InterviewDriver(client: client, staff: try await client.logIn("host"))
            let id = try await host.create(title: "<i>开放日</i>访谈")
            _ = try await host.status(id, "open")
            let page = try await client.execute(uri: "/interviews/\(id)", method: .get)
            #expect(page.text.contains("&lt;i&gt;开放日&lt;/i&gt;访谈"))
            #expect(page.text.contains("data-testid=\"ask-form\""))
            let asked = try await client.postForm("/interviews/\(id)/questions", "text=%E8%AF%B7%E9%97%AE&nickname=")
            #expect(asked.status == .seeOther)
            #expect(asked.headers[.location] == "/interviews/\(id)?asked=1#ask")
            #expect(asked.headers[.setCookie]?.contains("wz_browser=") == true)
            let bad = try await client.postForm("/interviews/\(id)/questions", "text=")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("请填写问题内容"), "\(bad.text)")
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.text.contains("开放日"))
        }
    }
}

@Suite("Interview access and abuse")
struct InterviewAccessTests {
    @Test func staffActOnlyOnTheirOwnInterviewsAndContactsStayWithTheOrganisers() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.addStaff("other-host", role: .host)
        try await server.addStaff("guest1", role: .guest)
        try await server.addStaff("mod", role: .moderator)
        try await server.test { client in
            let host = InterviewDriver(client: client, staff: try await client.logIn("host"))
            let mine = try await host.create(guests: #"[{"name":"张三","title":"副厅长","department":"司法厅","username":"guest1"}]"#)
            let others = try await InterviewDriver(client: client, staff: try await client.logIn("other-host")).create(title: "别人的访谈")
            _ = try await host.status(mine, "live")
            // The public never sees login names.
            let publicView = try await client.execute(uri: "/api/v1/interviews/\(mine)", method: .get)
            #expect(!publicView.text.contains("guest1"))
            #expect(!publicView.text.contains(#""hostUsername""#))
            // A host cannot run someone else's interview.
            #expect(try await host.status(others, "open").status == .forbidden)
            // The linked guest answers in their own interview only.
            let guest = InterviewDriver(client: client, staff: try await client.logIn("guest1"))
            let answer = try await guest.post(mine, "嘉宾自己的答复", kind: "answer")
            #expect(answer.status == .created)
            let hostRemark = try await host.post(mine, "主持人的话")
            let remarkID = try JSONDecoder.iso.decode(EntryEventBody.self, from: Data(buffer: hostRemark.body)).entry!.id
            let rewrite = try await guest.json(.post, "/api/v1/interviews/\(mine)/entries/\(remarkID)/corrections", #"{"body":"改写"}"#)
            #expect(rewrite.status == .forbidden)
            #expect(try await guest.json(.get, "/api/v1/interviews/\(others)/queue").status == .forbidden)
            // Contacts: the host sees them; guests and moderators do not.
            _ = try await host.ask(mine, "请问")
            try await client.approvePending(as: "mod")
            #expect(try await host.json(.get, "/api/v1/interviews/\(mine)/queue").text.contains("13900001111"))
            #expect(!(try await guest.json(.get, "/api/v1/interviews/\(mine)/queue").text.contains("13900001111")))
        }
    }

    @Test func parallelQuestionsAndCookielessVotesCannotBeatTheLimits() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.addStaff("mod", role: .moderator)
        try await server.test { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            _ = try await host.status(id, "open")
            let browser = try await host.browser(id)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<12 { group.addTask { try await host.ask(id, "并发问题\(index)", headers: browser).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 5)
            // Approve them and vote without a cookie: it is not counted.
            try await client.approvePending(as: "mod")
            let questions = try JSONDecoder.iso.decode(
                QuestionsBody.self, from: Data(buffer: try await client.execute(uri: "/api/v1/interviews/\(id)/questions", method: .get).body))
            for _ in 0..<3 {
                let vote = try await client.execute(uri: "/api/v1/interviews/\(id)/questions/\(questions.questions[0].id)/vote", method: .post)
                #expect(vote.text.contains(#""counted":false"#))
                #expect(vote.headers[.setCookie]?.contains("wz_browser=") == true)
            }
        }
    }

    @Test func aQuestionApprovedAfterTheEndIsDeferred() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.addStaff("mod", role: .moderator)
        try await server.test { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            _ = try await host.status(id, "live")
            _ = try await host.ask(id, "结束前提交的问题")
            _ = try await host.status(id, "ended")
            try await client.approvePending(as: "mod")
            let deferred = try await host.json(.get, "/api/v1/deferred-questions")
            #expect(deferred.text.contains("结束前提交的问题"))
            #expect(deferred.text.contains(#""replyDueOn""#))
        }
    }
}

struct QuestionsBody: Decodable {
    struct Question: Decodable {
        var id: Int64
        var votes: Int?
    }
    var questions: [Question]
}

struct TranscriptBody: Decodable {
    struct Entry: Decodable {
        var seq: Int64
        var kind: String
    }
    var entries: [Entry]
}

struct EntryEventBody: Decodable {
    struct Entry: Decodable { var id: Int64 }
    var seq: Int64
    var entry: Entry?
}
