import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// A signed-in staff member driving the office's API and pages.
struct OfficeClient {
    let client: any TestClientProtocol
    let staff: StaffCredentials

    func json(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil) async throws -> TestResponse {
        try await client.execute(
            uri: uri, method: method, headers: staff.headers(csrf: method != .get, json: body != nil),
            body: body.map { ByteBuffer(string: $0) })
    }

    /// `POST /api/v1/office/letters/{id}/<action>`.
    func act(_ id: Int64, _ action: String, _ body: String? = "{}") async throws -> TestResponse {
        try await json(.post, "/api/v1/office/letters/\(id)/\(action)", body)
    }

    func letter(_ id: Int64) async throws -> LetterView {
        let response = try await json(.get, "/api/v1/office/letters/\(id)")
        #expect(response.status == .ok, "\(response.text)")
        return try OfficeJSONBody.decode(OfficeDetailBody.self, response).letter
    }

    func detail(_ id: Int64) async throws -> OfficeDetailBody {
        let response = try await json(.get, "/api/v1/office/letters/\(id)")
        #expect(response.status == .ok, "\(response.text)")
        return try OfficeJSONBody.decode(OfficeDetailBody.self, response)
    }

    func departmentID(_ name: String) async throws -> Int64 {
        let response = try await json(.get, "/api/v1/office/departments")
        let departments = try OfficeJSONBody.decode(OfficeDepartmentsBody.self, response).departments
        return try #require(departments.first { $0.name == name }).id
    }

    func page(_ uri: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: staff.headers())
    }

    /// A plain form post with the session's `_csrf` field, as a browser
    /// without JavaScript sends it.
    func form(_ uri: String, _ fields: [(String, String)] = []) async throws -> TestResponse {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = ([("_csrf", staff.csrfToken)] + fields)
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return try await client.postForm(uri, body, headers: [.cookie: staff.cookie])
    }
}

enum OfficeJSONBody {
    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(buffer: response.body))
        } catch {
            // Name what came back instead of a bare key-not-found.
            Issue.record("\(response.status) \(String(buffer: response.body).prefix(300))")
            throw error
        }
    }
}

struct OfficeDetailBody: Decodable {
    var letter: LetterView
    var timeline: [LetterEventView]
    var drafts: [LetterDraftView]
    var actions: [String]
}

struct OfficeDepartmentsBody: Decodable { var departments: [LetterDepartment] }
struct OfficeRowsBody: Decodable {
    struct Row: Decodable {
        var id: Int64
        var number: String
        var overdue: Bool
        var paused: Bool
    }
    var letters: [Row]
    var more: Bool
}
struct OfficeDeadlinesBody: Decodable { var deadlines: [LetterDeadlineRow] }
struct OfficePoliciesBody: Decodable { var policies: [DeadlinePolicy] }
/// The figures the tests check, decoded as the store's types (the
/// period, its departments' figures and the months).
struct OfficeStatisticsBody: Decodable {
    var from: String
    var to: String
    var departments: [DepartmentLetterStatistics]
    var monthly: [MonthlyLetterStatistics]
    var missingCalendarYears: [Int]
}

extension TestServer {
    /// A citizen's letter, stored directly as the public side would.
    @discardableResult
    func officeLetter(_ type: LetterType = .complaint, subject: String = "小区路灯不亮") async throws -> LetterView {
        try await database.mailbox.submitLetter(
            NewLetter(
                type: type, subject: subject, body: "我家小区门口的路灯坏了三个月，电话13812345678。", authorName: "张三",
                phone: "13812345678", email: "zhang@example.cn", mayPublish: false, idempotencyKey: nil, clientAddress: "203.0.113.9"),
            passwordHash: "$2b$04$notarealhash", at: clock.now()
        ).letter
    }

    /// The office, two departments and a reviewer.
    func officeStaff() async throws {
        try await addStaff("clerk", role: .handler)  // 办公室: triages
        try await addStaff("city", role: .handler, department: "城建处")
        try await addStaff("edu", role: .handler, department: "教育处")
        try await addStaff("leader", role: .reviewer)
        try await addStaff("boss", role: .admin)
    }
}

/// An instant in Beijing time: `officeInstant("2026-12-10 10:00")`.
func officeInstant(_ text: String) -> Date {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = CivilDate.officeTimeZone
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    return formatter.date(from: text)!
}

@Suite("Mailbox office over HTTP")
struct MailboxOfficeTests {
    @Test("accept → assign → draft → send back → draft → sign off → replied, through the API")
    func fullFlow() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        let letter = try await server.officeLetter()
        try await server.test { client in
            let clerk = OfficeClient(client: client, staff: try await client.logIn("clerk"))
            let city = OfficeClient(client: client, staff: try await client.logIn("city"))
            let edu = OfficeClient(client: client, staff: try await client.logIn("edu"))
            let leader = OfficeClient(client: client, staff: try await client.logIn("leader"))

            // The triage inbox
            let inbox = try OfficeJSONBody.decode(
                OfficeRowsBody.self, try await clerk.json(.get, "/api/v1/office/letters?state=received"))
            #expect(inbox.letters.map(\.id) == [letter.id])
            #expect(try await clerk.detail(letter.id).actions.sorted() == ["accept", "reject", "transfer"])

            let accepted = try await clerk.act(letter.id, "accept", nil)
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(try OfficeJSONBody.decode(LetterView.self, accepted).state == .accepted)

            let cityID = try await clerk.departmentID("城建处")
            let eduID = try await clerk.departmentID("教育处")
            let assigned = try await clerk.act(
                letter.id, "assign", #"{"lead":\#(cityID),"coHandlers":[{"departmentId":\#(eduID)}]}"#)
            #expect(assigned.status == .ok, "\(assigned.text)")
            let view = try OfficeJSONBody.decode(LetterView.self, assigned)
            #expect(view.state == .assigned)
            #expect(view.leadDepartment?.name == "城建处")
            #expect(view.coHandlers.map(\.department) == ["教育处"])

            // A co-handler sees the letter but does not draft its reply.
            #expect(try await edu.detail(letter.id).actions.isEmpty)
            let coDraft = try await edu.act(letter.id, "draft", #"{"body":"教育处的答复"}"#)
            #expect(coDraft.status == .forbidden)

            #expect(try await city.detail(letter.id).actions == ["draft"])
            let first = try await city.act(letter.id, "draft", #"{"body":"已安排维修。"}"#)
            #expect(first.status == .ok, "\(first.text)")
            #expect(try OfficeJSONBody.decode(LetterView.self, first).state == .awaitingSignOff)

            #expect(try await leader.detail(letter.id).actions.sorted() == ["send-back", "sign-off"])
            let noComment = try await leader.act(letter.id, "send-back", #"{"comment":"  "}"#)
            #expect(noComment.status == .unprocessableContent)
            #expect(try noComment.problem().errors?.map(\.field) == ["comment"])
            let back = try await leader.act(letter.id, "send-back", #"{"comment":"请写明维修日期。"}"#)
            #expect(back.status == .ok, "\(back.text)")
            #expect(try OfficeJSONBody.decode(LetterView.self, back).state == .assigned)

            let second = try await city.act(letter.id, "draft", #"{"body":"已安排于12月1日前维修。"}"#)
            #expect(second.status == .ok)
            let signed = try await leader.act(letter.id, "sign-off", #"{"comment":"同意"}"#)
            #expect(signed.status == .ok, "\(signed.text)")
            let replied = try OfficeJSONBody.decode(LetterView.self, signed)
            #expect(replied.state == .replied)
            #expect(replied.replyBody == "已安排于12月1日前维修。")
            #expect(replied.replyDepartment?.name == "城建处")

            let detail = try await leader.detail(letter.id)
            #expect(
                detail.timeline.map(\.kind) == [.submitted, .accepted, .assigned, .drafted, .returned, .drafted, .signedOff])
            #expect(detail.timeline.first { $0.kind == .returned }?.actorName == "Leader")
            #expect(detail.drafts.map(\.reviewState) == [.returned, .signedOff])
            #expect(detail.drafts.first?.reviewComment == "请写明维修日期。")
            // Staff see the letter unmasked, with the contact details.
            #expect(detail.letter.phone == "13812345678")
            #expect(detail.letter.body.contains("13812345678"))
            #expect(detail.actions.isEmpty)

            // The page shows the same, in Chinese and in English.
            let page = try await leader.page("/office/letters/\(letter.id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("请写明维修日期。"))
            #expect(page.text.contains("zhang@example.cn"))
            #expect(page.text.contains("签发答复"))
            let english = try await leader.page("/office/letters/\(letter.id)?lang=en")
            #expect(english.text.contains("Signed off and sent"))
            #expect(english.text.contains("Replied"))
        }
    }

    @Test("a handler of another department cannot see or work on the letter")
    func otherDepartment() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.addStaff("health", role: .handler, department: "卫健处")
        let letter = try await server.officeLetter()
        try await server.test { client in
            let clerk = OfficeClient(client: client, staff: try await client.logIn("clerk"))
            let city = OfficeClient(client: client, staff: try await client.logIn("city"))
            let health = OfficeClient(client: client, staff: try await client.logIn("health"))
            #expect(try await clerk.act(letter.id, "accept").status == .ok)
            let cityID = try await clerk.departmentID("城建处")
            #expect(try await clerk.act(letter.id, "assign", #"{"lead":\#(cityID)}"#).status == .ok)

            // Triage belongs to the office.
            #expect(try await city.act(letter.id, "assign", #"{"lead":\#(cityID)}"#).status == .forbidden)

            #expect(try await health.json(.get, "/api/v1/office/letters/\(letter.id)").status == .forbidden)
            let draft = try await health.act(letter.id, "draft", #"{"body":"不是我们的信"}"#)
            #expect(draft.status == .forbidden)
            #expect(try draft.problem().detail?.contains("卫健处") == true)
            let list = try OfficeJSONBody.decode(OfficeRowsBody.self, try await health.json(.get, "/api/v1/office/letters"))
            #expect(list.letters.isEmpty)
            #expect(try await health.page("/office/letters/\(letter.id)").status == .forbidden)
            // The lead department's handler sees it in its list.
            let cityList = try OfficeJSONBody.decode(OfficeRowsBody.self, try await city.json(.get, "/api/v1/office/letters"))
            #expect(cityList.letters.map(\.id) == [letter.id])
        }
    }

    @Test("actions in the wrong state answer 409; bad input 400, 404 or 422")
    func wrongStateAndBadInput() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        let letter = try await server.officeLetter()
        try await server.test { client in
            let clerk = OfficeClient(client: client, staff: try await client.logIn("clerk"))
            let leader = OfficeClient(client: client, staff: try await client.logIn("leader"))
            #expect(try await clerk.act(letter.id, "accept").status == .ok)
            let again = try await clerk.act(letter.id, "accept")
            #expect(again.status == .conflict)
            #expect(try again.problem().type == "urn:wenzheng:problem:conflict")
            #expect(try await leader.act(letter.id, "sign-off").status == .conflict)
            #expect(try await clerk.act(letter.id, "draft", #"{"body":"还没交办"}"#).status == .forbidden)
            // Only information-disclosure requests have the clock actions.
            #expect(try await leader.act(letter.id, "extend", #"{"workingDays":5,"notice":"延期"}"#).status == .conflict)

            let badReason = try await clerk.act(letter.id, "reject", #"{"reason":"rude"}"#)
            #expect(badReason.status == .unprocessableContent)
            #expect(try badReason.problem().errors?.map(\.field) == ["reason"])
            let noLead = try await clerk.act(letter.id, "assign", #"{"coHandlers":[{"departmentId":1,"dueOn":"2026-13-01"}]}"#)
            #expect(noLead.status == .unprocessableContent)
            #expect(try noLead.problem().errors?.map(\.field) == ["lead", "coHandlers[0].dueOn"])
            let unknownLead = try await clerk.act(letter.id, "assign", #"{"lead":9999}"#)
            #expect(unknownLead.status == .unprocessableContent)
            let namedLead = try await clerk.act(letter.id, "assign", #"{"lead":"城建处"}"#)
            #expect(namedLead.status == .unprocessableContent)
            #expect(try namedLead.problem().errors?.map(\.field) == ["lead"])
            #expect(try await clerk.act(letter.id, "transfer", #"{"to":""}"#).status == .unprocessableContent)
            let form = try await client.execute(
                uri: "/api/v1/office/letters/\(letter.id)/transfer", method: .post,
                headers: [
                    .cookie: clerk.staff.cookie, HTTPField.Name("X-CSRF-Token")!: clerk.staff.csrfToken,
                    .contentType: "application/x-www-form-urlencoded",
                ],
                body: ByteBuffer(string: "to=x"))
            #expect(form.status == .unsupportedMediaType)

            #expect(try await clerk.json(.get, "/api/v1/office/letters/999").status == .notFound)
            #expect(try await clerk.json(.get, "/api/v1/office/letters/abc").status == .notFound)
            #expect(try await clerk.json(.get, "/api/v1/office/letters/-1").status == .notFound)
            #expect(try await clerk.act(999, "accept").status == .notFound)
            #expect(try await clerk.page("/office/letters/999").status == .notFound)

            // List filters
            for bad in [
                "state=lost", "department=x", "department=999", "overdue=maybe", "dueWithin=0", "dueWithin=366",
                "overdue=1&dueWithin=3", "state=replied&overdue=1", "limit=0", "offset=-1",
            ] {
                let response = try await clerk.json(.get, "/api/v1/office/letters?\(bad)")
                #expect(response.status == .unprocessableContent, "\(bad) gave \(response.status)")
            }
            let listPage = try await clerk.page("/office/letters?overdue=1&dueWithin=3")
            #expect(listPage.status == .unprocessableContent)
            #expect(listPage.text.contains(#"data-testid="office-error""#))
            // Deadlines and statistics
            for bad in ["filter=late", "filter=due-within", "filter=due-within&days=0", "filter=overdue&days=3", "department=abc"] {
                let response = try await clerk.json(.get, "/api/v1/office/deadlines?\(bad)")
                #expect(response.status == .unprocessableContent, "\(bad) gave \(response.status)")
            }
            for bad in ["from=2026-02-30", "to=tomorrow", "from=2026-12-01&to=2026-01-01", "year=26"] {
                let response = try await clerk.json(.get, "/api/v1/office/statistics?\(bad)")
                #expect(response.status == .unprocessableContent, "\(bad) gave \(response.status)")
            }
        }
    }

    @Test("information disclosure: one extension of at most 20 working days; pause and resume move the due date")
    func disclosureClock() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        server.clock.set(officeInstant("2026-11-18 10:00"))  // a Wednesday
        let letter = try await server.officeLetter(.informationDisclosure, subject: "申请公开2026年法律援助经费")
        let onTheSpot = try await server.officeLetter(.informationDisclosure, subject: "申请公开办事指南")
        let corrected = try await server.officeLetter(.informationDisclosure, subject: "申请公开（内容不明确）")
        let calendar = try await server.database.calendar.workingDayCalendar()
        try await server.test { client in
            let clerk = OfficeClient(client: client, staff: try await client.logIn("clerk"))
            let leader = OfficeClient(client: client, staff: try await client.logIn("leader"))
            #expect(try await clerk.act(letter.id, "accept").status == .ok)
            let cityID = try await clerk.departmentID("城建处")
            #expect(try await clerk.act(letter.id, "assign", #"{"lead":\#(cityID)}"#).status == .ok)
            let start = try await clerk.letter(letter.id)
            let due = try #require(start.dueOn.flatMap(CivilDate.init))
            #expect(due == calendar.adding(workingDays: 20, to: CivilDate(year: 2026, month: 11, day: 18)))

            // Extensions: a reviewer approves, 1…20 working days, once.
            #expect(try await clerk.act(letter.id, "extend", #"{"workingDays":10,"notice":"需要更多时间"}"#).status == .forbidden)
            let tooLong = try await leader.act(letter.id, "extend", #"{"workingDays":21,"notice":"需要更多时间"}"#)
            #expect(tooLong.status == .unprocessableContent)
            #expect(try tooLong.problem().errors?.map(\.field) == ["workingDays"])
            let noNotice = try await leader.act(letter.id, "extend", #"{"workingDays":10}"#)
            #expect(try noNotice.problem().errors?.map(\.field) == ["notice"])
            let extended = try await leader.act(letter.id, "extend", #"{"workingDays":10,"notice":"因需征求第三方意见，延期10个工作日答复。"}"#)
            #expect(extended.status == .ok, "\(extended.text)")
            let afterExtension = try OfficeJSONBody.decode(LetterView.self, extended)
            #expect(afterExtension.dueOn == calendar.adding(workingDays: 10, to: due).description)
            #expect(afterExtension.extensionWorkingDays == 10)
            #expect(!(try await leader.detail(letter.id).actions.contains("extend")))
            #expect(try await leader.act(letter.id, "extend", #"{"workingDays":5,"notice":"再延期"}"#).status == .conflict)

            // Pause on a Friday, resume the next Wednesday: 3 working days later.
            let extendedDue = try #require(afterExtension.dueOn.flatMap(CivilDate.init))
            server.clock.set(officeInstant("2026-11-20 10:00"))
            let city = OfficeClient(client: client, staff: try await client.logIn("city"))
            #expect(try await city.act(letter.id, "pause", #"{"reason":""}"#).status == .unprocessableContent)
            let badReason = try await city.act(letter.id, "pause", #"{"reason":"correction","note":"x"}"#)
            #expect(try badReason.problem().errors?.map(\.field) == ["reason"])
            let paused = try await city.act(letter.id, "pause", #"{"reason":"third_party","note":"征求第三方意见"}"#)
            #expect(paused.status == .ok, "\(paused.text)")
            let pausedView = try OfficeJSONBody.decode(LetterView.self, paused)
            #expect(pausedView.clockPaused)
            #expect(pausedView.dueOn == nil)
            #expect(try await city.act(letter.id, "pause", #"{"reason":"other_agency","note":"again"}"#).status == .conflict)
            let pausedRows = try OfficeJSONBody.decode(OfficeRowsBody.self, try await city.json(.get, "/api/v1/office/letters"))
            #expect(pausedRows.letters.first { $0.id == letter.id }?.paused == true)

            server.clock.set(officeInstant("2026-11-25 10:00"))
            let city2 = OfficeClient(client: client, staff: try await client.logIn("city"))
            let resumed = try await city2.act(letter.id, "resume")
            #expect(resumed.status == .ok, "\(resumed.text)")
            let resumedView = try OfficeJSONBody.decode(LetterView.self, resumed)
            #expect(!resumedView.clockPaused)
            let left = LetterRules.workingDays(from: CivilDate(year: 2026, month: 11, day: 20), to: extendedDue, calendar: calendar)
            let newDue = calendar.adding(workingDays: left, to: CivilDate(year: 2026, month: 11, day: 25))
            #expect(resumedView.dueOn == newDue.description)
            #expect(newDue > extendedDue)
            #expect(try await city2.act(letter.id, "resume").status == .conflict)
            let kinds = try await city2.detail(letter.id).timeline.map(\.kind)
            #expect(kinds.suffix(3) == [.extended, .paused, .resumed])

            // Answered on the spot: received → replied at once.
            let clerk2 = OfficeClient(client: client, staff: try await client.logIn("clerk"))
            #expect(try await clerk2.detail(onTheSpot.id).actions.contains("reply-on-the-spot"))
            let answered = try await clerk2.act(onTheSpot.id, "reply-on-the-spot", #"{"body":"办事指南见本机关网站。"}"#)
            #expect(answered.status == .ok, "\(answered.text)")
            #expect(try OfficeJSONBody.decode(LetterView.self, answered).state == .replied)

            // A correction notice stops the clock until the corrected request.
            let noPeriod = try await clerk2.act(corrected.id, "correction-notice", #"{"text":"请写明所需信息的名称。"}"#)
            #expect(try noPeriod.problem().errors?.map(\.field) == ["correctionDays"])
            let notice = try await clerk2.act(
                corrected.id, "correction-notice", #"{"text":"请写明所需信息的名称。","correctionDays":15}"#)
            #expect(notice.status == .ok, "\(notice.text)")
            #expect(try OfficeJSONBody.decode(LetterView.self, notice).awaitingCorrection)
            #expect(try await clerk2.act(corrected.id, "resume").status == .conflict)
            #expect(try await clerk2.detail(corrected.id).actions.contains("corrected-request"))
            let restarted = try await clerk2.act(corrected.id, "corrected-request", #"{"note":"已收到补正"}"#)
            #expect(restarted.status == .ok)
            let restartedView = try OfficeJSONBody.decode(LetterView.self, restarted)
            #expect(!restartedView.clockPaused)
            #expect(restartedView.dueOn == calendar.adding(workingDays: 20, to: CivilDate(year: 2026, month: 11, day: 25)).description)
        }
    }

    @Test("forms work without JavaScript: redirect with a notice, or the page again with the error")
    func forms() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        let letter = try await server.officeLetter()
        try await server.test { client in
            let clerk = OfficeClient(client: client, staff: try await client.logIn("clerk"))
            let list = try await clerk.page("/office/letters")
            #expect(list.status == .ok)
            #expect(list.text.contains(letter.number))
            #expect(list.text.contains(#"data-testid="office-letters""#))
            #expect(list.text.contains(#"data-testid="nav-office""#))
            let detail = try await clerk.page("/office/letters/\(letter.id)")
            #expect(detail.text.contains(#"data-testid="form-accept""#))
            #expect(!detail.text.contains(#"data-testid="form-draft""#))
            #expect(detail.text.contains(#"name="_csrf" value="\#(clerk.staff.csrfToken)""#))

            let accepted = try await clerk.form("/office/letters/\(letter.id)/accept")
            #expect(accepted.status == .seeOther)
            let location = try #require(accepted.headers[.location])
            #expect(location == "/office/letters/\(letter.id)?notice=accept")
            let shown = try await clerk.page(location)
            #expect(shown.text.contains(#"data-testid="office-notice""#))
            #expect(shown.text.contains("已受理。"))
            #expect(shown.text.contains(#"data-testid="form-assign""#))

            // The same form again: the page with the conflict, status 409.
            let twice = try await clerk.form("/office/letters/\(letter.id)/accept")
            #expect(twice.status == .conflict)
            #expect(twice.text.contains(#"data-testid="office-error""#))
            #expect(twice.text.contains("与信件当前状态冲突"))

            // No reason chosen: 422 with the field named, the note kept.
            let noReason = try await clerk.form("/office/letters/\(letter.id)/reject", [("reason", ""), ("note", "重复的<信>")])
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.text.contains("理由：不能为空"))
            #expect(noReason.text.contains("重复的&lt;信&gt;"))

            let cityID = try await clerk.departmentID("城建处")
            let eduID = try await clerk.departmentID("教育处")
            let assigned = try await clerk.form(
                "/office/letters/\(letter.id)/assign", [("lead", String(cityID)), ("co", String(eduID)), ("due-\(eduID)", "2026-11-30")])
            #expect(assigned.status == .seeOther)
            let view = try await clerk.letter(letter.id)
            #expect(view.coHandlers.first?.dueOn == "2026-11-30")
            #expect(view.coHandlers.first?.ownDueDate == true)

            // The co-handler's draft is refused on the page, readably.
            let edu = OfficeClient(client: client, staff: try await client.logIn("edu"))
            let refused = try await edu.form("/office/letters/\(letter.id)/draft", [("body", "教育处答复")])
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("您无权执行此操作"))
            #expect(refused.text.contains("教育处"))

            let city = OfficeClient(client: client, staff: try await client.logIn("city"))
            let drafted = try await city.form("/office/letters/\(letter.id)/draft", [("body", "已安排维修。")])
            #expect(drafted.status == .seeOther)
            let leader = OfficeClient(client: client, staff: try await client.logIn("leader"))
            let sentBack = try await leader.form("/office/letters/\(letter.id)/send-back", [("comment", "补充日期")])
            #expect(sentBack.headers[.location] == "/office/letters/\(letter.id)?notice=send-back")
            let english = try await leader.page("/office/letters/\(letter.id)?notice=send-back&lang=en")
            #expect(english.text.contains("Sent back."))
            #expect(english.text.contains("补充日期"))

            // Without the CSRF field the form is refused.
            let noToken = try await client.postForm(
                "/office/letters/\(letter.id)/resume", "", headers: [.cookie: clerk.staff.cookie])
            #expect(noToken.status == .forbidden)
        }
    }

    @Test("the dashboard lists overdue letters once the clock passes their deadline")
    func dashboardOverdue() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        server.clock.set(officeInstant("2026-11-18 10:00"))
        let late = try await server.officeLetter(.consultation, subject: "咨询法律援助条件")
        let soon = try await server.officeLetter(.complaint, subject: "投诉办事拖延")
        try await server.test { client in
            var clerk = OfficeClient(client: client, staff: try await client.logIn("clerk"))
            let cityID = try await clerk.departmentID("城建处")
            for letter in [late, soon] {
                #expect(try await clerk.act(letter.id, "accept").status == .ok)
                #expect(try await clerk.act(letter.id, "assign", #"{"lead":\#(cityID)}"#).status == .ok)
            }
            // 5 working days from 11-18: due 11-25. On 12-07 it is overdue;
            // the complaint (15 working days) is due 12-09, within 2.
            server.clock.set(officeInstant("2026-12-07 09:00"))
            let marked = try await server.database.mailbox.markOverdueLetters(at: server.clock.now())
            #expect(marked.map(\.id) == [late.id])
            clerk = OfficeClient(client: client, staff: try await client.logIn("clerk"))

            let page = try await clerk.page("/office/dashboard")
            #expect(page.status == .ok)
            let overdueList = try #require(page.text.firstRange(of: #"data-testid="dashboard-overdue""#))
            let dueSoonList = try #require(page.text.firstRange(of: #"data-testid="dashboard-due-soon""#))
            let overdueSection = page.text[overdueList.upperBound..<dueSoonList.lowerBound]
            #expect(overdueSection.contains(late.number))
            #expect(overdueSection.contains(#"href="/office/letters/\#(late.id)""#))
            #expect(!overdueSection.contains(soon.number))
            #expect(page.text[dueSoonList.upperBound...].contains(soon.number))
            // No 2027 holiday notice yet: the banner asks for it.
            #expect(page.text.contains(#"data-testid="calendar-banner""#))
            #expect(page.text.contains("2027"))
            #expect(page.text.contains(#"data-testid="dashboard-monthly""#))

            let overdueRows = try OfficeJSONBody.decode(
                OfficeRowsBody.self, try await clerk.json(.get, "/api/v1/office/letters?overdue=true"))
            #expect(overdueRows.letters.map(\.id) == [late.id])
            let listPage = try await clerk.page("/office/letters?overdue=1")
            #expect(listPage.text.contains(#"data-testid="marker-overdue""#))
            let deadlines = try OfficeJSONBody.decode(
                OfficeDeadlinesBody.self, try await clerk.json(.get, "/api/v1/office/deadlines?filter=due-within&days=2"))
            #expect(deadlines.deadlines.map(\.letterId) == [late.id, soon.id])
            #expect(deadlines.deadlines.map(\.overdue) == [true, false])
            let overdueOnly = try OfficeJSONBody.decode(
                OfficeDeadlinesBody.self, try await clerk.json(.get, "/api/v1/office/deadlines?filter=overdue&department=\(cityID)"))
            #expect(overdueOnly.deadlines.map(\.letterId) == [late.id])
            #expect(try await clerk.detail(late.id).timeline.last?.kind == .overdue)

            // Replied late, the department's on-time rate counts it.
            let city = OfficeClient(client: client, staff: try await client.logIn("city"))
            let leader = OfficeClient(client: client, staff: try await client.logIn("leader"))
            #expect(try await city.act(late.id, "draft", #"{"body":"答复"}"#).status == .ok)
            #expect(try await leader.act(late.id, "sign-off").status == .ok)
            let statistics = try OfficeJSONBody.decode(
                OfficeStatisticsBody.self, try await clerk.json(.get, "/api/v1/office/statistics?from=2026-11-01&to=2026-12-31"))
            #expect(statistics.departments.map(\.department) == ["城建处"])
            #expect(statistics.departments.first?.replied == 1)
            #expect(statistics.departments.first?.onTimeRate == 0)
            #expect(statistics.monthly.count == 12)
            #expect(statistics.monthly[10].received == 2)
            #expect(statistics.monthly[11].replied == 1)
            #expect(statistics.missingCalendarYears == [2027])
            let defaults = try OfficeJSONBody.decode(OfficeStatisticsBody.self, try await clerk.json(.get, "/api/v1/office/statistics"))
            #expect(defaults.from == "2026-01-01")
            #expect(defaults.to == "2026-12-07")
            let statsPage = try await clerk.page("/office/dashboard?from=2026-11-01&to=2026-12-31&lang=en")
            #expect(statsPage.text.contains("0.0%"))
            #expect(statsPage.text.contains("Mailbox dashboard"))
            let badRange = try await clerk.page("/office/dashboard?from=2026-12-31&to=2026-01-01")
            #expect(badRange.status == .unprocessableContent)
            #expect(badRange.text.contains("结束日期"))
        }
    }

    @Test("admins change reply periods; every change is audited")
    func policies() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.test { client in
            let boss = OfficeClient(client: client, staff: try await client.logIn("boss"))
            let cityID = try await boss.departmentID("城建处")
            let set = try await boss.json(.put, "/api/v1/office/policies", #"{"letterType":"consultation","workingDays":7}"#)
            #expect(set.status == .ok, "\(set.text)")
            let policies = try OfficeJSONBody.decode(OfficePoliciesBody.self, set).policies
            #expect(policies.contains { $0.letterType == .consultation && $0.departmentId == nil && $0.workingDays == 7 })
            let own = try await boss.json(
                .put, "/api/v1/office/policies", #"{"letterType":"complaint","departmentId":\#(cityID),"workingDays":10}"#)
            #expect(try OfficeJSONBody.decode(OfficePoliciesBody.self, own).policies.contains { $0.department == "城建处" })
            let removed = try await boss.json(
                .put, "/api/v1/office/policies", #"{"letterType":"complaint","departmentId":\#(cityID),"workingDays":null}"#)
            #expect(!(try OfficeJSONBody.decode(OfficePoliciesBody.self, removed).policies.contains { $0.department == "城建处" }))

            for bad in [
                #"{"letterType":"praise","workingDays":7}"#, #"{"letterType":"consultation","workingDays":0}"#,
                #"{"letterType":"consultation"}"#, #"{"workingDays":5}"#,
                #"{"letterType":"consultation","departmentId":999,"workingDays":5}"#,
            ] {
                let response = try await boss.json(.put, "/api/v1/office/policies", bad)
                #expect(response.status == .unprocessableContent, "\(bad) gave \(response.status)")
            }
            let clerk = OfficeClient(client: client, staff: try await client.logIn("clerk"))
            #expect(
                try await clerk.json(.put, "/api/v1/office/policies", #"{"letterType":"consultation","workingDays":3}"#).status
                    == .forbidden)

            // The page and its form
            let page = try await boss.page("/office/policies")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"data-testid="policies-table""#))
            let saved = try await boss.form("/office/policies", [("letterType", "suggestion"), ("department", ""), ("workingDays", "12")])
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location] == "/office/policies?notice=saved")
            #expect(try await boss.page("/office/policies?notice=saved").text.contains("办理时限已保存"))
            let badForm = try await boss.form("/office/policies", [("letterType", "suggestion"), ("workingDays", "400")])
            #expect(badForm.status == .unprocessableContent)
            #expect(badForm.text.contains(#"data-testid="office-error""#))

            // New letters get the new period.
            let letter = try await server.officeLetter(.consultation)
            #expect(letter.policyDays == 7)
            let actions = try await server.database.audit.auditEntries().filter { $0.action == "letter.deadline_policy" }
            #expect(actions.count == 4)
            #expect(actions.allSatisfy { $0.actorName == "boss" })
            #expect(actions.contains { ($0.afterJson ?? "").contains(#""workingDays":12"#) })
        }
    }

    @Test("the overdue service marks letters at start and stops when cancelled")
    func overdueService() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        server.clock.set(officeInstant("2026-11-18 10:00"))
        let letter = try await server.officeLetter(.consultation)
        server.clock.set(officeInstant("2026-12-07 09:00"))
        let records = OfficeLogRecords()
        var logger = Logger(label: "overdue-test") { _ in OfficeCapturingLogHandler(records: records) }
        logger.logLevel = .info
        let overdue = OverdueLetterService(database: server.database, clock: server.clock, logger: logger)
        let service = overdue.service(interval: .milliseconds(20))
        let task = Task { try await service.run() }
        var marked = false
        for _ in 0..<200 where !marked {
            try await Task.sleep(for: .milliseconds(10))
            marked = try await server.database.mailbox.letter(id: letter.id).overdue
        }
        task.cancel()
        try await task.value
        #expect(marked)
        let lines = records.lines
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains("notice letter overdue") == true)
        #expect(lines.first?.contains(letter.number) == true)
        #expect(lines.first?.contains("2026-11-25") == true)
        // Another pass marks nothing new.
        #expect(await overdue.sweep().isEmpty)
    }

    @Test("the office's translations have the same keys in Chinese and English")
    func translations() throws {
        func keys(_ value: Any, _ prefix: String = "") -> Set<String> {
            guard let object = value as? [String: Any] else { return [prefix] }
            return object.reduce(into: Set<String>()) { $0.formUnion(keys($1.value, prefix.isEmpty ? $1.key : "\(prefix).\($1.key)")) }
        }
        let folder = URL(fileURLWithPath: webRoot).appendingPathComponent("i18n")
        let zh =
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("zh-CN.office.json"))) as! [String: Any]
        let en = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("en.office.json"))) as! [String: Any]
        #expect(Array(zh.keys) == ["office"])
        #expect(Array(en.keys) == ["office"])
        #expect(keys(zh) == keys(en))
        for action in LetterAction.allCases {
            #expect(keys(zh).contains("office.actions.\(action.key)"))
            #expect(keys(zh).contains("office.notices.\(action.key)"))
        }
        for kind in LetterEventKind.allCases { #expect(keys(zh).contains("office.events.\(kind.rawValue)")) }
        for state in LetterState.allCases { #expect(keys(zh).contains("office.states.\(state.rawValue)")) }
    }
}

/// Log lines kept for a test to read.
final class OfficeLogRecords: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}

struct OfficeCapturingLogHandler: LogHandler {
    let records: OfficeLogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        records.append("\(event.level) \(event.message) \(fields)")
    }
}
