import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// Helpers for the citizens' side of the mailbox.
struct CitizenMailbox {
    let client: any TestClientProtocol

    /// `application/x-www-form-urlencoded` with every non-ASCII-safe byte
    /// escaped (Foundation's alphanumerics would let Chinese through).
    static func form(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet()
        allowed.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
    }

    static let goodLetter: [(String, String)] = [
        ("type", "complaint"), ("subject", "小区路灯不亮"), ("body", "我家小区门口的路灯坏了三个月，请尽快修理。"),
        ("authorName", "张三"), ("phone", "13812345678"), ("email", ""),
    ]

    func submitForm(_ fields: [(String, String)]) async throws -> TestResponse {
        try await client.postForm("/letters", Self.form(fields))
    }

    static func letterJSON(
        type: String = "consultation", subject: String = "法律援助怎么申请", body: String = "请问申请法律援助需要哪些材料？",
        name: String = "李四", mayPublish: Bool = false, key: String? = nil
    ) -> String {
        let keyPart = key.map { #","idempotencyKey":"\#($0)""# } ?? ""
        return
            #"{"type":"\#(type)","subject":"\#(subject)","body":"\#(body)","authorName":"\#(name)","email":"li@example.cn","mayPublish":\#(mayPublish)\#(keyPart)}"#
    }

    /// Sends a letter through the API and returns its receipt.
    func submit(_ json: String = letterJSON(), headers: HTTPFields = [:]) async throws -> ReceiptBody {
        let response = try await client.postJSON("/api/v1/letters", json, headers: headers)
        #expect(response.status == .created, "\(response.text)")
        return try JSONDecoder().decode(ReceiptBody.self, from: Data(buffer: response.body))
    }

    func query(_ number: String, _ password: String) async throws -> TestResponse {
        try await client.postJSON("/api/v1/letters/query", #"{"number":"\#(number)","password":"\#(password)"}"#)
    }

    static func testID(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "data-testid=\"\(id)\"") else { return nil }
        guard let open = html[start.upperBound...].firstIndex(of: ">") else { return nil }
        let rest = html[html.index(after: open)...]
        guard let close = rest.firstIndex(of: "<") else { return nil }
        return String(rest[..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct ReceiptBody: Decodable {
    var created: Bool
    var number: String
    var password: String?
    var receivedOn: String
    var workingDays: Int
    var dueOn: String?
    var provisional: Bool
}

struct CitizenLetterBody: Decodable {
    struct Event: Decodable {
        var kind: String
        var note: String?
    }
    var number: String
    var state: String
    var dueOn: String?
    var provisional: Bool
    var reply: String?
    var replyDepartment: String?
    var rating: String?
    var canRate: Bool
    var canFollowUp: Bool
    var followUpText: String?
    var timeline: [Event]
}

struct PublishedPageBody: Decodable {
    struct Letter: Decodable {
        var id: Int64
        var subject: String
        var body: String
        var reply: String
        var replyDepartment: String
    }
    var letters: [Letter]
    var page: Int
    var hasMore: Bool
    var total: Int?
}

extension TestServer {
    /// A staff member as the store sees them, signed in through the API.
    func staffMember(_ username: String, client: any TestClientProtocol) async throws -> AuthenticatedStaff {
        let credentials = try await client.logIn(username)
        let token = String(credentials.cookie.split(separator: "=", maxSplits: 1)[1])
        return try #require(try await database.accounts.activeSession(tokenHash: SessionToken.hash(token), at: clock.now()))
    }

    /// A handler of the office (`office`), a reviewer (`leader`) and a
    /// moderator (`mod`): who answers and publishes a letter.
    func addPublishingStaff() async throws {
        try await addStaff("office", role: .handler)
        try await addStaff("leader", role: .reviewer)
        try await addStaff("mod", role: .moderator)
    }

    /// The office answers a letter through the store: accept, assign to
    /// the office itself, draft, sign off.
    @discardableResult
    func reply(to number: String, office: AuthenticatedStaff, reviewer: AuthenticatedStaff, text: String = "您好，已安排维修。") async throws
        -> LetterView
    {
        let letter = try #require(try await database.mailbox.letterForQuery(number: number)).0
        let now = clock.now()
        _ = try await database.mailbox.acceptLetter(id: letter.id, actor: office, at: now)
        _ = try await database.mailbox.assignLetter(id: letter.id, lead: office.departmentID, actor: office, at: now)
        _ = try await database.mailbox.draftReply(id: letter.id, body: text, actor: office, at: now)
        return try await database.mailbox.signOff(id: letter.id, approve: true, comment: "同意", filter: moderation.filter, actor: reviewer, at: now)
    }
}

@Suite("Leader's mailbox: citizens")
struct MailboxPublicTests {
    @Test("a form with bad fields comes back with every error and the values kept, and stores nothing")
    func submitWithFieldErrors() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let form = try await client.execute(uri: "/letters/new", method: .get)
            #expect(form.status == .ok)
            #expect(form.text.contains(#"data-testid="letter-form""#))
            #expect(form.text.contains(#"name="idempotencyKey" value=""#))

            let bad = try await mailbox.submitForm([
                ("type", "complaint"), ("subject", String(repeating: "灯", count: 101)), ("body", "<b>路灯</b>坏了"),
                ("authorName", ""), ("phone", ""), ("email", "not-an-address"), ("mayPublish", "on"), ("idempotencyKey", "form-key-1"),
            ])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("标题不能超过 100 字。"))
            #expect(bad.text.contains("请填写姓名。"))
            #expect(bad.text.contains("电子邮箱格式不正确。"))
            // Values kept, escaped; the consent box stays ticked; same key.
            #expect(bad.text.contains("&lt;b&gt;路灯&lt;/b&gt;坏了"))
            #expect(!bad.text.contains("<b>路灯</b>"))
            #expect(bad.text.contains(#"value="not-an-address""#))
            #expect(bad.text.contains(#"value="on" checked"#))
            #expect(bad.text.contains(#"value="form-key-1""#))
            #expect(bad.text.contains(#"<option value="complaint" selected>"#))

            let noContact = try await mailbox.submitForm([
                ("type", "complaint"), ("subject", "路灯"), ("body", "坏了"), ("authorName", "张三"), ("phone", ""), ("email", ""),
            ])
            #expect(noContact.status == .unprocessableContent)
            #expect(noContact.text.contains("请填写联系电话或电子邮箱（至少一项）。"))
            let badType = try await mailbox.submitForm([("type", "praise")] + CitizenMailbox.goodLetter.dropFirst())
            #expect(badType.status == .unprocessableContent)
            #expect(badType.text.contains("请选择列表中的来信类型。"))

            let json = try await client.postJSON(
                "/api/v1/letters", #"{"type":"suggestion","subject":"","body":"","authorName":"王五","phone":"12"}"#)
            #expect(json.status == .unprocessableContent)
            let problem = try json.problem()
            #expect(problem.type == "urn:wenzheng:problem:validation-failed")
            #expect(Set(problem.errors?.map(\.field) ?? []) == ["subject", "body", "phone"])
            let english = try await client.postForm("/letters?lang=en", CitizenMailbox.form([("type", "complaint")]))
            #expect(english.text.contains("Please write a subject."))
        }
        #expect(try await server.database.mailbox.letters().isEmpty)
    }

    @Test("a letter is received once, with its number, password and due date; a repeat shows the number only")
    func submitAndRepeat() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let fields = CitizenMailbox.goodLetter + [("idempotencyKey", "same-form-render-0001")]
            let first = try await mailbox.submitForm(fields)
            #expect(first.status == .created)
            let number = try #require(CitizenMailbox.testID("receipt-number", in: first.text))
            let password = try #require(CitizenMailbox.testID("receipt-password", in: first.text))
            #expect(number.wholeMatch(of: /2026-\d{9}/) != nil)
            #expect(password.count == 8)
            #expect(password.allSatisfy { LetterActions.passwordAlphabet.contains($0) })
            // Received Wednesday 2026-11-18; a complaint has 15 working days.
            #expect(CitizenMailbox.testID("receipt-due", in: first.text) == "2026-12-09")
            #expect(first.text.contains("/letters/deadline?from=2026-11-18&amp;days=15"))
            #expect(first.headers[.cacheControl] == "no-store")

            let again = try await mailbox.submitForm(fields)
            #expect(again.status == .ok)
            #expect(again.text.contains(#"data-testid="receipt-repeat""#))
            #expect(CitizenMailbox.testID("receipt-number", in: again.text) == number)
            #expect(!again.text.contains(password))

            // The password shown opens the letter; typed in lower case too.
            let opened = try await mailbox.query(number, password.lowercased())
            #expect(opened.status == .ok, "\(opened.text)")
            let letter = try JSONDecoder().decode(CitizenLetterBody.self, from: Data(buffer: opened.body))
            #expect(letter.state == "received")
            #expect(letter.timeline.map(\.kind) == ["submitted"])

            // The API: the key in a header or in the body.
            let receipt = try await mailbox.submit(headers: [HTTPField.Name("Idempotency-Key")!: "api-key-1"])
            #expect(receipt.created)
            #expect(receipt.password?.count == 8)
            #expect(receipt.dueOn == "2026-11-25")
            #expect(!receipt.provisional)
            let repeated = try await client.postJSON("/api/v1/letters", CitizenMailbox.letterJSON(key: "api-key-1"))
            #expect(repeated.status == .ok)
            let repeatedBody = try JSONDecoder().decode(ReceiptBody.self, from: Data(buffer: repeated.body))
            #expect(!repeatedBody.created)
            #expect(repeatedBody.number == receipt.number)
            #expect(repeatedBody.password == nil)
            #expect(!repeated.text.contains("password"))
            let clash = try await client.postJSON(
                "/api/v1/letters", CitizenMailbox.letterJSON(key: "other"), headers: [HTTPField.Name("Idempotency-Key")!: "api-key-1"])
            #expect(clash.status == .unprocessableContent)

            // Near the year's end the period runs into 2027, whose holidays
            // are not loaded: the date is provisional.
            server.clock.set(ISO8601DateFormatter().date(from: "2026-12-21T02:00:00Z")!)
            let late = try await mailbox.submitForm(CitizenMailbox.goodLetter)
            #expect(late.status == .created)
            #expect(late.text.contains(#"data-testid="receipt-provisional""#))
            let lateAPI = try await mailbox.submit(CitizenMailbox.letterJSON(type: "complaint"))
            #expect(lateAPI.provisional)
        }
        #expect(try await server.database.mailbox.letters().count == 4)
    }

    @Test("an unknown number and a wrong password get the same answer")
    func wrongPasswordAndUnknownNumberAreAlike() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let receipt = try await mailbox.submit()
            let wrong = try await mailbox.query(receipt.number, "WRONGPW2")
            let unknown = try await mailbox.query("2026-999999", "WRONGPW2")
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.text == unknown.text)
            #expect(try wrong.problem().type == "urn:wenzheng:problem:invalid-credentials")

            let wrongPage = try await client.postForm(
                "/letters/query", CitizenMailbox.form([("number", receipt.number), ("password", "WRONGPW2")]))
            let unknownPage = try await client.postForm(
                "/letters/query", CitizenMailbox.form([("number", "2026-999999"), ("password", "WRONGPW2")]))
            #expect(wrongPage.status == .unauthorized)
            #expect(unknownPage.status == .unauthorized)
            let message = CitizenMailbox.testID("query-error", in: wrongPage.text)
            #expect(message == "信件编号或查询密码不正确。")
            #expect(message == CitizenMailbox.testID("query-error", in: unknownPage.text))

            // A malformed number is a plain input error, not an attempt.
            let malformed = try await mailbox.query("abc", "WRONGPW2")
            #expect(malformed.status == .unprocessableContent)
            #expect(try malformed.problem().errors?.map(\.field) == ["number"])
            let malformedPage = try await client.postForm("/letters/query", "number=abc&password=")
            #expect(malformedPage.status == .unprocessableContent)
            #expect(malformedPage.text.contains("信件编号格式不正确"))
            // Full-width digits from a Chinese keyboard are read as digits.
            let fullWidth = receipt.number.unicodeScalars.map { scalar -> String in
                ("0"..."9").contains(scalar)
                    ? String(Unicode.Scalar(scalar.value - 0x30 + 0xFF10)!) : (scalar == "-" ? "－" : String(scalar))
            }.joined()
            #expect(try await mailbox.query(fullWidth, receipt.password!).status == .ok)
            // A number copied in groups, as it was read out, too.
            let grouped = receipt.number.prefix(8) + " " + receipt.number.dropFirst(8).prefix(3) + " " + receipt.number.suffix(3)
            #expect(try await mailbox.query(String(grouped), receipt.password!).status == .ok)
        }
    }

    @Test("an idempotency key is scoped to its letter's content: another letter under it is a 409, never the first letter")
    func idempotencyKeysAreScopedToTheContent() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "shared-key-0001"]
            let first = try await mailbox.submit(headers: key)
            // Someone else sends their own letter with the same key.
            let other = try await client.postJSON(
                "/api/v1/letters", CitizenMailbox.letterJSON(subject: "另一个人的信", name: "王五"), headers: key)
            #expect(other.status == .conflict)
            #expect(try other.problem().type == "urn:wenzheng:problem:idempotency-key-reused")
            #expect(!other.text.contains(first.number))
            #expect(!other.text.contains("password"))
            // A changed body under the same key is refused the same way.
            let changed = try await client.postJSON(
                "/api/v1/letters", CitizenMailbox.letterJSON(body: "改过的正文"), headers: key)
            #expect(changed.status == .conflict)
            // The same content again is still the first letter, without its password.
            let repeated = try await client.postJSON("/api/v1/letters", CitizenMailbox.letterJSON(), headers: key)
            #expect(repeated.status == .ok)
            #expect(try JSONDecoder().decode(ReceiptBody.self, from: Data(buffer: repeated.body)).number == first.number)
            #expect(try await server.database.mailbox.letters().count == 1)

            // The form: back, edit, send again. The page says so, shows the
            // letter with a fresh key, and sending that is a new letter.
            let fields = CitizenMailbox.goodLetter + [("idempotencyKey", "form-render-0002")]
            let sent = try await mailbox.submitForm(fields)
            let number = try #require(CitizenMailbox.testID("receipt-number", in: sent.text))
            let edited = fields.map { $0.0 == "body" ? ("body", "路灯坏了，补充一下：是三盏。") : $0 }
            let page = try await mailbox.submitForm(edited)
            #expect(page.status == .conflict)
            #expect(page.text.contains("此表单此前已提交过内容不同的来信"))
            #expect(!page.text.contains(number))
            #expect(page.text.contains("路灯坏了，补充一下：是三盏。"))
            let freshKey = try #require(page.text.firstMatch(of: /name="idempotencyKey" value="([^"]+)"/)?.1)
            #expect(freshKey != "form-render-0002")
            let resent = try await mailbox.submitForm(edited.map { $0.0 == "idempotencyKey" ? ("idempotencyKey", String(freshKey)) : $0 })
            #expect(resent.status == .created)
            #expect(try await server.database.mailbox.letters().count == 3)
        }
    }

    @Test("repeated failures from one address make it wait, at one letter and across letters, with Retry-After")
    func failuresAreThrottled() async throws {
        let server = try await TestServer()
        let policy = LoginThrottlePolicy.letterQuery
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let target = try await mailbox.submit()
            for _ in 0..<policy.perAccountAndAddress.freeFailures {
                #expect(try await mailbox.query(target.number, "WRONGPW2").status == .unauthorized)
            }
            // Now this address waits, even with the right password.
            let locked = try await mailbox.query(target.number, target.password!)
            #expect(locked.status == .tooManyRequests)
            #expect(Int(locked.headers[.retryAfter] ?? "") == Int(policy.perAccountAndAddress.firstDelay))
            let lockedPage = try await client.postForm(
                "/letters/query", CitizenMailbox.form([("number", target.number), ("password", target.password!)]))
            #expect(lockedPage.status == .tooManyRequests)
            #expect(lockedPage.headers[.retryAfter] != nil)
            #expect(lockedPage.text.contains("尝试次数过多"))
            // The wait doubles with each further failure.
            server.clock.advance(by: policy.perAccountAndAddress.firstDelay)
            #expect(try await mailbox.query(target.number, "WRONGPW2").status == .unauthorized)
            let longer = try await mailbox.query(target.number, target.password!)
            #expect(Int(longer.headers[.retryAfter] ?? "") == 2 * Int(policy.perAccountAndAddress.firstDelay))
            server.clock.advance(by: 2 * policy.perAccountAndAddress.firstDelay)
            #expect(try await mailbox.query(target.number, target.password!).status == .ok)

            // One address guessing across many numbers is stopped too.
            let other = try await mailbox.submit(CitizenMailbox.letterJSON(subject: "另一封信"))
            for index in 0..<policy.perAddress.freeFailures {
                _ = try await mailbox.query(String(format: "2026-%06d", 500 + index), "WRONGPW2")
            }
            let stopped = try await mailbox.query(other.number, other.password!)
            #expect(stopped.status == .tooManyRequests)
            #expect(stopped.headers[.retryAfter] != nil)
        }
    }

    @Test("after the reply the citizen rates it, follows up once, and the letter reopens")
    func rateAndFollowUpThroughTheAPI() async throws {
        let server = try await TestServer()
        try await server.addStaff("office", role: .handler)
        try await server.addStaff("leader", role: .reviewer)
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let receipt = try await mailbox.submit(CitizenMailbox.letterJSON(type: "complaint", subject: "路灯不亮"))
            let password = receipt.password!
            func post(_ path: String, _ extra: String) async throws -> TestResponse {
                try await client.postJSON(path, #"{"number":"\#(receipt.number)","password":"\#(password)"\#(extra)}"#)
            }
            // Not answered yet: nothing to rate.
            #expect(try await post("/api/v1/letters/rate", #","rating":"satisfied""#).status == .conflict)

            let office = try await server.staffMember("office", client: client)
            let leader = try await server.staffMember("leader", client: client)
            try await server.reply(to: receipt.number, office: office, reviewer: leader)

            let replied = try JSONDecoder().decode(
                CitizenLetterBody.self, from: Data(buffer: try await mailbox.query(receipt.number, password).body))
            #expect(replied.state == "replied")
            #expect(replied.reply == "您好，已安排维修。")
            #expect(replied.replyDepartment == "办公室")
            #expect(replied.canRate)
            #expect(!replied.canFollowUp)
            // The office's internal steps and the reviewer's comment stay inside.
            #expect(replied.timeline.map(\.kind) == ["submitted", "accepted", "assigned", "signed_off"])
            #expect(replied.timeline.allSatisfy { $0.note != "同意" })

            #expect(try await post("/api/v1/letters/rate", #","rating":"great""#).status == .unprocessableContent)
            let wrongPassword = try await client.postJSON(
                "/api/v1/letters/rate", #"{"number":"\#(receipt.number)","password":"WRONGPW2","rating":"unsatisfied"}"#)
            #expect(wrongPassword.status == .unauthorized)
            let rated = try await post("/api/v1/letters/rate", #","rating":"unsatisfied""#)
            #expect(rated.status == .ok, "\(rated.text)")
            let ratedBody = try JSONDecoder().decode(CitizenLetterBody.self, from: Data(buffer: rated.body))
            #expect(ratedBody.rating == "unsatisfied")
            #expect(!ratedBody.canRate)
            #expect(ratedBody.canFollowUp)
            #expect(try await post("/api/v1/letters/rate", #","rating":"satisfied""#).status == .conflict)

            #expect(try await post("/api/v1/letters/follow-up", #","text":"  ""#).status == .unprocessableContent)
            let followed = try await post("/api/v1/letters/follow-up", #","text":"路灯还是不亮。""#)
            #expect(followed.status == .ok, "\(followed.text)")
            let reopened = try JSONDecoder().decode(CitizenLetterBody.self, from: Data(buffer: followed.body))
            #expect(reopened.state == "assigned")
            #expect(reopened.followUpText == "路灯还是不亮。")
            #expect(!reopened.canFollowUp)
            #expect(reopened.timeline.last?.kind == "reopened")
            #expect(reopened.dueOn == "2026-12-09")
            #expect(try await post("/api/v1/letters/follow-up", #","text":"再问一次""#).status == .conflict)
        }
    }

    @Test("the letter page shows the reply and takes the rating and follow-up as plain forms")
    func rateAndFollowUpThroughThePages() async throws {
        let server = try await TestServer()
        try await server.addStaff("office", role: .handler)
        try await server.addStaff("leader", role: .reviewer)
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let receipt = try await mailbox.submit()
            let credentials = [("number", receipt.number), ("password", receipt.password!)]
            let before = try await client.postForm("/letters/query", CitizenMailbox.form(credentials))
            #expect(before.status == .ok)
            #expect(CitizenMailbox.testID("letter-state", in: before.text) == "已收到，待受理")
            #expect(!before.text.contains(#"data-testid="rate-form""#))
            #expect(before.headers[.cacheControl] == "no-store")

            try await server.reply(
                to: receipt.number, office: try await server.staffMember("office", client: client),
                reviewer: try await server.staffMember("leader", client: client), text: "<script>答复</script>")
            let page = try await client.postForm("/letters/query", CitizenMailbox.form(credentials))
            #expect(CitizenMailbox.testID("letter-state", in: page.text) == "已答复")
            #expect(page.text.contains(#"data-testid="letter-reply""#))
            #expect(page.text.contains("&lt;script&gt;答复&lt;/script&gt;"))
            #expect(page.text.contains(#"data-testid="rate-form""#))
            #expect(page.text.contains(#"<input type="hidden" name="number" value="\#(receipt.number)">"#))

            let noRating = try await client.postForm("/letters/rate", CitizenMailbox.form(credentials))
            #expect(noRating.status == .unprocessableContent)
            let rated = try await client.postForm("/letters/rate", CitizenMailbox.form(credentials + [("rating", "unsatisfied")]))
            #expect(rated.status == .ok)
            #expect(rated.text.contains(#"data-testid="letter-notice""#))
            #expect(CitizenMailbox.testID("letter-rating", in: rated.text) == "不满意")
            #expect(rated.text.contains(#"data-testid="follow-up-form""#))
            let again = try await client.postForm("/letters/rate", CitizenMailbox.form(credentials + [("rating", "satisfied")]))
            #expect(again.status == .conflict)

            let empty = try await client.postForm("/letters/follow-up", CitizenMailbox.form(credentials + [("text", "")]))
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains("请填写追问内容。"))
            let followed = try await client.postForm("/letters/follow-up", CitizenMailbox.form(credentials + [("text", "还是没修好")]))
            #expect(followed.status == .ok)
            #expect(CitizenMailbox.testID("letter-state", in: followed.text) == "办理中")
            #expect(followed.text.contains("来信人追问，重新办理"))
            #expect(!followed.text.contains(#"data-testid="follow-up-form""#))

            let wrong = try await client.postForm(
                "/letters/follow-up", CitizenMailbox.form([("number", receipt.number), ("password", "WRONGPW2"), ("text", "x")]))
            #expect(wrong.status == .unauthorized)
            #expect(CitizenMailbox.testID("query-error", in: wrong.text) == "信件编号或查询密码不正确。")
        }
    }

    @Test("published replies are listed, searched by two-character words and shown masked")
    func publishedListAndSearch() async throws {
        let server = try await TestServer()
        try await server.addPublishingStaff()
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let empty = try await client.execute(uri: "/letters", method: .get)
            #expect(empty.status == .ok)
            #expect(empty.text.contains(#"data-testid="letters-empty""#))

            let lawyer = try await mailbox.submit(
                CitizenMailbox.letterJSON(subject: "请律师要花多少钱", body: "我是赵六，想请律师打官司，电话13912345678。", name: "赵六", mayPublish: true))
            let notary = try await mailbox.submit(
                CitizenMailbox.letterJSON(subject: "公证处周末上班吗", body: "办理公证需要预约吗？", mayPublish: true))
            let privateLetter = try await mailbox.submit(
                CitizenMailbox.letterJSON(subject: "私下咨询律师", body: "不公开的来信", mayPublish: false))
            let office = try await server.staffMember("office", client: client)
            let leader = try await server.staffMember("leader", client: client)
            let moderator = try await server.staffMember("mod", client: client)
            for receipt in [lawyer, notary, privateLetter] {
                let letter = try await server.reply(to: receipt.number, office: office, reviewer: leader, text: "可以申请法律援助。")
                if let item = letter.moderationItemId {
                    _ = try await server.database.moderation.decideModeration(
                        id: item, .approve(override: true), by: moderator, allowedReasons: [], at: server.clock.now())
                }
            }

            let list = try await client.execute(uri: "/api/v1/letters/published", method: .get)
            #expect(list.status == .ok)
            let page = try JSONDecoder().decode(PublishedPageBody.self, from: Data(buffer: list.body))
            #expect(page.letters.map(\.subject) == ["公证处周末上班吗", "请律师要花多少钱"])
            #expect(!page.hasMore)
            let lawyerLetter = try #require(page.letters.last)
            #expect(!lawyerLetter.body.contains("赵六"))
            #expect(!lawyerLetter.body.contains("13912345678"))
            #expect(lawyerLetter.replyDepartment == "办公室")

            for (word, subject) in [("律师", "请律师要花多少钱"), ("公证", "公证处周末上班吗")] {
                let found = try await client.execute(uri: "/api/v1/letters/published?q=\(PageRenderer.percentEncode(word))", method: .get)
                #expect(found.status == .ok, "\(found.text)")
                let results = try JSONDecoder().decode(PublishedPageBody.self, from: Data(buffer: found.body))
                #expect(results.letters.map(\.subject) == [subject], "\(word)")
                #expect(results.total == 1)
                let html = try await client.execute(uri: "/letters?q=\(PageRenderer.percentEncode(word))", method: .get)
                #expect(html.status == .ok)
                #expect(html.text.contains(#"data-testid="letters-result""#))
                #expect(html.text.contains(subject))
                #expect(html.text.contains(#"value="\#(word)" data-testid="letters-search-input""#))
            }
            let none = try await client.execute(uri: "/letters?q=\(PageRenderer.percentEncode("房产"))", method: .get)
            #expect(none.text.contains("没有找到相关的来信"))
            let single = try await client.execute(uri: "/letters?q=\(PageRenderer.percentEncode("律"))", method: .get)
            #expect(single.status == .unprocessableContent)
            #expect(CitizenMailbox.testID("letters-search-error", in: single.text) == "中文搜索词至少需要两个字，例如“律师”。")
            let singleAPI = try await client.execute(uri: "/api/v1/letters/published?q=\(PageRenderer.percentEncode("律"))", method: .get)
            #expect(singleAPI.status == .unprocessableContent)
            #expect(try singleAPI.problem().errors?.first?.code == "too_short")
            for bad in ["page=0", "page=abc", "page=-1"] {
                #expect(try await client.execute(uri: "/letters?\(bad)", method: .get).status == .unprocessableContent, "\(bad)")
                #expect(try await client.execute(uri: "/api/v1/letters/published?\(bad)", method: .get).status == .unprocessableContent)
            }
            #expect(try await client.execute(uri: "/letters?page=2", method: .get).text.contains(#"data-testid="letters-previous""#))

            let detail = try await client.execute(uri: "/letters/\(lawyerLetter.id)", method: .get)
            #expect(detail.status == .ok)
            #expect(CitizenMailbox.testID("published-subject", in: detail.text) == "请律师要花多少钱")
            #expect(CitizenMailbox.testID("published-received", in: detail.text) == "2026-11-18")
            #expect(CitizenMailbox.testID("published-department", in: detail.text) == "办公室")
            #expect(detail.text.contains("受理日期"))
            #expect(!detail.text.contains("赵六"))
            #expect(detail.text.contains("/letters/\(lawyerLetter.id)/deadline"))
            let deadline = try await client.execute(uri: "/letters/\(lawyerLetter.id)/deadline", method: .get)
            #expect(deadline.status == .ok)
            #expect(CitizenMailbox.testID("deadline-date", in: deadline.text) == "2026-11-25")
            let one = try await client.execute(uri: "/api/v1/letters/published/\(lawyerLetter.id)", method: .get)
            #expect(one.text.contains(#""workingDays":5"#))

            // The private letter and unknown ids are not there.
            let privateID = try #require(try await server.database.mailbox.letterForQuery(number: privateLetter.number)).0.id
            for uri in [
                "/letters/\(privateID)", "/letters/\(privateID)/deadline", "/letters/99999", "/letters/abc",
                "/api/v1/letters/published/\(privateID)",
            ] {
                #expect(try await client.execute(uri: uri, method: .get).status == .notFound, "\(uri)")
            }
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.text.contains("公证处周末上班吗"))
            #expect(home.text.contains("/letters/\(lawyerLetter.id)"))
        }
    }

    @Test("the deadline explanation counts each day and checks its input")
    func deadlineExplanation() async throws {
        let server = try await TestServer()
        try await server.test { client in
            // Received the day before the National Day holiday.
            let page = try await client.execute(uri: "/letters/deadline?from=2026-09-30&days=5", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("法定节假日"))
            #expect(page.text.contains(#"data-testid="deadline-table""#))
            let json = try await client.execute(uri: "/api/v1/letters/deadline?from=2026-09-30&days=5", method: .get)
            #expect(json.status == .ok)
            #expect(json.text.contains(#""reason":"statutory_holiday""#))
            #expect(json.text.contains(#""provisional":false"#))
            let provisional = try await client.execute(uri: "/api/v1/letters/deadline?from=2026-12-28&days=10", method: .get)
            #expect(provisional.text.contains(#""provisional":true"#))
            #expect(provisional.text.contains(#""yearsWithoutData":[2027]"#))
            let blank = try await client.execute(uri: "/letters/deadline", method: .get)
            #expect(blank.status == .ok)
            #expect(blank.text.contains(#"data-testid="deadline-form""#))
            for bad in [
                "from=2026-13-01&days=5", "from=2026-09-30&days=0", "from=2026-09-30&days=abc", "from=&days=5", "from=1900-01-01&days=3",
            ] {
                let response = try await client.execute(uri: "/letters/deadline?\(bad)", method: .get)
                #expect(response.status == .unprocessableContent, "\(bad)")
                #expect(response.text.contains(#"data-testid="deadline-error""#))
                #expect(try await client.execute(uri: "/api/v1/letters/deadline?\(bad)", method: .get).status == .unprocessableContent)
            }
        }
    }

    @Test("monthly figures render as a table and as JSON; a bad year is refused")
    func statistics() async throws {
        let server = try await TestServer()
        try await server.addStaff("office", role: .handler)
        try await server.addStaff("leader", role: .reviewer)
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let first = try await mailbox.submit()
            _ = try await mailbox.submit(CitizenMailbox.letterJSON(subject: "第二封"))
            try await server.reply(
                to: first.number, office: try await server.staffMember("office", client: client),
                reviewer: try await server.staffMember("leader", client: client))

            let page = try await client.execute(uri: "/letters/statistics?year=2026", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"data-testid="statistics-table""#))
            #expect(page.text.contains("<tr><td>11月</td><td>2</td><td>1</td><td>1</td><td>100%</td></tr>"))
            let thisYear = try await client.execute(uri: "/letters/statistics", method: .get)
            #expect(thisYear.text.contains("来信办理情况统计 2026"))
            let json = try await client.execute(uri: "/api/v1/letters/statistics?year=2026", method: .get)
            #expect(json.status == .ok)
            // Each month, and the totals, exactly these four figures.
            struct Figures: Decodable {
                var year: Int
                var months: [[String: Int]]
                var totals: [String: Int]
            }
            let figures = try JSONDecoder().decode(Figures.self, from: Data(buffer: json.body))
            #expect(figures.year == 2026)
            #expect(figures.months.count == 12)
            #expect(figures.months[10] == ["month": 11, "received": 2, "replied": 1, "repliedOnTime": 1])
            #expect(figures.totals == ["month": 0, "received": 2, "replied": 1, "repliedOnTime": 1])
            let english = try await client.execute(uri: "/letters/statistics?year=2026&lang=en", method: .get)
            #expect(english.text.contains("November"))
            for bad in ["abc", "1999", "20260", "-1"] {
                let response = try await client.execute(uri: "/letters/statistics?year=\(bad)", method: .get)
                #expect(response.status == .unprocessableContent, "\(bad)")
                #expect(response.text.contains("年份不正确"))
                let problem = try await client.execute(uri: "/api/v1/letters/statistics?year=\(bad)", method: .get)
                #expect(problem.status == .unprocessableContent)
                #expect(try problem.problem().errors?.first?.field == "year")
            }
        }
    }

    @Test("the pages are in Chinese and English and linked from the navigation")
    func pagesInBothLanguages() async throws {
        let server = try await TestServer()
        try await server.test { client in
            for uri in ["/letters", "/letters/new", "/letters/query", "/letters/statistics", "/letters/deadline"] {
                let zh = try await client.execute(uri: uri, method: .get)
                #expect(zh.status == .ok, "\(uri)")
                #expect(zh.text.contains(#"<a href="/letters">领导信箱</a>"#))
                #expect(!zh.text.contains("letters."), "untranslated key on \(uri)")
                let en = try await client.execute(uri: uri + "?lang=en", method: .get)
                #expect(en.text.contains(#"<a href="/letters">Leader's mailbox</a>"#) || en.text.contains("Leader&#39;s mailbox"), "\(uri)")
                #expect(!en.text.contains("letters."), "untranslated key on \(uri) in English")
            }
        }
    }
}
