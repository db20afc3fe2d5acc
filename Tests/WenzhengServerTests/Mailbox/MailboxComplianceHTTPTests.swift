import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// Issue 9, items 12–22 (the mailbox's half), through the API and the
/// pages. November 2026 has no holidays.
@Suite("Mailbox: the reply clock's compliance rules over HTTP")
struct MailboxComplianceHTTPTests {
    let calendar = HolidayCalendar.shipped

    /// Signs `username` in now (sessions follow the test clock).
    func staff(_ username: String, _ client: any TestClientProtocol) async throws -> OfficeClient {
        OfficeClient(client: client, staff: try await client.logIn(username))
    }

    /// An information-disclosure request received Monday 2026-11-02 and
    /// assigned to 城建处: due 2026-11-30.
    func request(_ server: TestServer, _ client: any TestClientProtocol, subject: String = "申请公开2026年法律援助经费") async throws
        -> LetterView
    {
        server.clock.set(officeInstant("2026-11-02 10:00"))
        let letter = try await server.officeLetter(.informationDisclosure, subject: subject)
        let clerk = try await staff("clerk", client)
        #expect(try await clerk.act(letter.id, "accept").status == .ok)
        let cityID = try await clerk.departmentID("城建处")
        #expect(try await clerk.act(letter.id, "assign", #"{"lead":\#(cityID)}"#).status == .ok)
        return try await clerk.letter(letter.id)
    }

    @Test("13, 16: a backdated pause keeps its date; once overdue, pauses and extensions are refused and not offered")
    func backdatingAndOverdue() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.test { client in
            let letter = try await request(server, client)
            server.clock.set(officeInstant("2026-11-09 10:00"))
            var city = try await staff("city", client)
            for (on, field) in [("2026-11-03", "on"), ("11/05", "on"), ("2026-11-10", "on")] {
                let refused = try await city.act(letter.id, "pause", #"{"reason":"third_party","note":"征求意见","on":"\#(on)"}"#)
                #expect(refused.status == .unprocessableContent, "\(on)")
                #expect(try refused.problem().errors?.map(\.field) == [field], "\(on)")
            }
            let paused = try await city.act(letter.id, "pause", #"{"reason":"third_party","note":"征求某公司意见","on":"2026-11-05"}"#)
            #expect(paused.status == .ok, "\(paused.text)")
            let event = try #require(try await city.detail(letter.id).timeline.last)
            #expect(event.clockOn == "2026-11-05" && event.recordedAt == officeInstant("2026-11-09 10:00"))
            #expect(event.clockReason == .thirdParty && event.actorName == "City")
            let page = try await city.page("/office/letters/\(letter.id)")
            #expect(page.text.contains(#"data-testid="marker-backdated""#))
            #expect(CitizenMailbox.testID("event-on", in: page.text) == "2026-11-05")
            // The form offers today and up to 3 working days back.
            #expect(page.text.contains(#"name="on" type="date" min="2026-11-04" max="2026-11-09""#))

            server.clock.set(officeInstant("2026-11-10 10:00"))
            city = try await staff("city", client)
            #expect(try await city.act(letter.id, "resume", #"{"on":"2026-11-10"}"#).status == .ok)
            let due = try #require(try await city.letter(letter.id).dueOn.flatMap(CivilDate.init))
            #expect(due == calendar.adding(workingDays: 17, to: CivilDate(year: 2026, month: 11, day: 10)))

            // The day after the deadline
            server.clock.set(officeInstant("\(calendar.adding(workingDays: 1, to: due)) 10:00"))
            city = try await staff("city", client)
            let leader = try await staff("leader", client)
            let late = try await city.act(letter.id, "pause", #"{"reason":"other_agency","note":"征求意见"}"#)
            #expect(late.status == .conflict)
            #expect(try late.problem().detail?.contains(due.description) == true)
            #expect(try await leader.act(letter.id, "extend", #"{"workingDays":5,"notice":"延期"}"#).status == .conflict)
            let actions = try await leader.detail(letter.id).actions
            #expect(!actions.contains("pause") && !actions.contains("extend") && !actions.contains("correction-notice"))
            let overduePage = try await leader.page("/office/letters/\(letter.id)")
            #expect(!overduePage.text.contains(#"data-testid="form-pause""#))
            #expect(!overduePage.text.contains(#"data-testid="form-extend""#))
        }
    }

    @Test("14: the letter page lists every stop with its reason, the consulted party's 15 working days and the total")
    func stopsOnThePage() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.test { client in
            let letter = try await request(server, client)
            server.clock.set(officeInstant("2026-11-05 10:00"))
            var city = try await staff("city", client)
            #expect(try await city.act(letter.id, "pause", #"{"reason":"third_party","note":"征求某公司意见"}"#).status == .ok)
            server.clock.set(officeInstant("2026-11-10 10:00"))
            city = try await staff("city", client)
            #expect(try await city.act(letter.id, "resume", #"{"note":"第三方已答复"}"#).status == .ok)
            server.clock.set(officeInstant("2026-11-12 10:00"))
            city = try await staff("city", client)
            #expect(try await city.act(letter.id, "pause", #"{"reason":"other_agency","note":"征求市局意见"}"#).status == .ok)
            server.clock.set(officeInstant("2026-11-13 10:00"))
            city = try await staff("city", client)

            let page = try await city.page("/office/letters/\(letter.id)")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"data-testid="letter-stoppages""#))
            #expect(page.text.contains("征求第三方意见（第三十二条）"))
            #expect(page.text.contains("征求其他机关意见（第三十四条）"))
            #expect(page.text.contains("2026-11-26"))
            #expect(page.text.contains("2026-12-03"))
            // 3 working days stopped, then 1 so far.
            #expect(CitizenMailbox.testID("stopped-total", in: page.text) == "4")
            let english = try await city.page("/office/letters/\(letter.id)?lang=en")
            #expect(english.text.contains("Other agency consulted (art. 34)"))

            let deadlines = try OfficeJSONBody.decode(OfficeDeadlinesBody.self, try await city.json(.get, "/api/v1/office/deadlines"))
            let row = try #require(deadlines.deadlines.first { $0.letterId == letter.id })
            #expect(row.paused && row.stopReason == .otherAgency && row.answerDueOn == "2026-12-03")
        }
    }

    @Test("15: a correction notice records the period given; afterwards the request is closed as withdrawn, by API or page")
    func deemedWithdrawn() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.test { client in
            let letter = try await request(server, client)
            let other = try await request(server, client, subject: "申请公开（内容不明确）")
            server.clock.set(officeInstant("2026-11-04 10:00"))
            var clerk = try await staff("clerk", client)
            for id in [letter.id, other.id] {
                let noticed = try await clerk.act(id, "correction-notice", #"{"text":"请写明所需信息的名称。","correctionDays":10}"#)
                #expect(noticed.status == .ok, "\(noticed.text)")
            }
            let waiting = try await clerk.page("/office/letters/\(letter.id)")
            #expect(CitizenMailbox.testID("letter-correct-by", in: waiting.text) == "2026-11-18")
            server.clock.set(officeInstant("2026-11-18 10:00"))
            clerk = try await staff("clerk", client)
            #expect(!(try await clerk.detail(letter.id).actions.contains("deemed-withdrawn")))
            #expect(try await clerk.act(letter.id, "deemed-withdrawn").status == .conflict)

            server.clock.set(officeInstant("2026-11-19 10:00"))
            clerk = try await staff("clerk", client)
            #expect(try await clerk.detail(letter.id).actions.contains("deemed-withdrawn"))
            let closed = try await clerk.act(letter.id, "deemed-withdrawn", #"{"note":"逾期未补正"}"#)
            #expect(closed.status == .ok, "\(closed.text)")
            #expect(try OfficeJSONBody.decode(LetterView.self, closed).state == .withdrawn)
            #expect(try await clerk.detail(letter.id).timeline.last?.kind == .withdrawn)

            let page = try await clerk.page("/office/letters/\(other.id)")
            #expect(page.text.contains(#"data-testid="form-deemed-withdrawn""#))
            let form = try await clerk.form("/office/letters/\(other.id)/deemed-withdrawn", [("note", "")])
            #expect(form.status == .seeOther)
            let shown = try await clerk.page("/office/letters/\(other.id)?notice=deemed-withdrawn")
            #expect(shown.text.contains("已按视为放弃申请办结。"))
            #expect(shown.text.contains("逾期未补正，视为放弃申请"))
            #expect(try await clerk.letter(other.id).state == .withdrawn)
        }
    }

    @Test("17: information-disclosure periods stop at 20 working days; a disclosure request is refused only on its grounds")
    func disclosureRules() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.test { client in
            let boss = try await staff("boss", client)
            let api = try await boss.json(.put, "/api/v1/office/policies", #"{"letterType":"information_disclosure","workingDays":21}"#)
            #expect(api.status == .unprocessableContent)
            #expect(try api.problem().errors?.map(\.field) == ["workingDays"])
            let form = try await boss.form("/office/policies", [("letterType", "information_disclosure"), ("workingDays", "30")])
            #expect(form.status == .unprocessableContent)
            #expect(form.text.contains(#"data-testid="office-error""#))
            let fine = try await boss.json(.put, "/api/v1/office/policies", #"{"letterType":"information_disclosure","workingDays":15}"#)
            #expect(fine.status == .ok)

            let disclosure = try await server.officeLetter(.informationDisclosure, subject: "申请公开")
            let complaint = try await server.officeLetter(.complaint)
            let clerk = try await staff("clerk", client)
            let refused = try await clerk.act(disclosure.id, "reject", #"{"reason":"no_content"}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(try refused.problem().errors?.map(\.field) == ["reason"])
            let disclosurePage = try await clerk.page("/office/letters/\(disclosure.id)")
            #expect(!disclosurePage.text.contains(#"<option value="no_content">"#))
            #expect(disclosurePage.text.contains(#"<option value="duplicate">"#))
            #expect(try await clerk.page("/office/letters/\(complaint.id)").text.contains(#"<option value="no_content">"#))
            #expect(try await clerk.act(complaint.id, "reject", #"{"reason":"no_content"}"#).status == .ok)
        }
    }

    @Test("18: a count through late December is provisional without the next year's notice; 1 January is a day off")
    func provisionalDecember() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let december = try await client.execute(uri: "/api/v1/letters/deadline?from=2026-12-28&days=2", method: .get)
            #expect(december.status == .ok)
            #expect(december.text.contains(#""provisional":true"#) && december.text.contains(#""yearsWithoutData":[2027]"#))
            let newYear = try await client.execute(uri: "/api/v1/letters/deadline?from=2026-12-30&days=2", method: .get)
            #expect(newYear.text.contains(#""deadline":"2027-01-04""#))
            let page = try await client.execute(uri: "/letters/deadline?from=2026-12-28&days=2", method: .get)
            #expect(page.text.contains("2027"))
        }
    }

    @Test("19: the answer to a follow-up is published beside the first reply, each with its date; 来信日期 and 受理日期 apart")
    func bothRepliesPublished() async throws {
        let server = try await TestServer()
        try await server.addPublishingStaff()
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            server.clock.set(officeInstant("2026-11-02 10:00"))
            let receipt = try await mailbox.submit(CitizenMailbox.letterJSON(type: "complaint", subject: "路灯不亮", mayPublish: true))
            server.clock.set(officeInstant("2026-11-03 10:00"))
            let office = try await server.staffMember("office", client: client)
            let leader = try await server.staffMember("leader", client: client)
            let moderator = try await server.staffMember("mod", client: client)
            let first = try await server.reply(to: receipt.number, office: office, reviewer: leader, text: "已安排维修。")
            _ = try await server.database.moderation.decideModeration(
                id: try #require(first.moderationItemId), .approve(override: true), by: moderator, allowedReasons: [],
                at: server.clock.now())
            let password = try #require(receipt.password)
            let rated = try await client.postJSON(
                "/api/v1/letters/rate", #"{"number":"\#(receipt.number)","password":"\#(password)","rating":"unsatisfied"}"#)
            #expect(rated.status == .ok, "\(rated.text)")
            let followed = try await client.postJSON(
                "/api/v1/letters/follow-up", #"{"number":"\#(receipt.number)","password":"\#(password)","text":"又坏了"}"#)
            #expect(followed.status == .ok, "\(followed.text)")
            server.clock.set(officeInstant("2026-11-10 10:00"))
            _ = try await server.database.mailbox.draftReply(id: first.id, body: "已再次维修并加装巡检。", actor: office, at: server.clock.now())
            _ = try await server.database.mailbox.signOff(
                id: first.id, approve: true, comment: nil, filter: server.moderation.filter, actor: leader, at: server.clock.now())

            let json = try await client.execute(uri: "/api/v1/letters/published/\(first.id)", method: .get)
            #expect(json.status == .ok)
            struct Body: Decodable {
                struct Reply: Decodable {
                    var round: Int
                    var body: String
                    var repliedOn: String
                }
                var receivedOn: String
                var acceptedOn: String?
                var reply: String
                var repliedOn: String
                var replies: [Reply]
            }
            let body = try JSONDecoder().decode(Body.self, from: Data(buffer: json.body))
            #expect(body.receivedOn == "2026-11-02" && body.acceptedOn == "2026-11-03")
            #expect(body.reply == "已安排维修。" && body.repliedOn == "2026-11-03")
            #expect(body.replies.map(\.repliedOn) == ["2026-11-03", "2026-11-10"])
            #expect(body.replies.map(\.body) == ["已安排维修。", "已再次维修并加装巡检。"])

            let page = try await client.execute(uri: "/letters/\(first.id)", method: .get)
            #expect(CitizenMailbox.testID("published-received", in: page.text) == "2026-11-02")
            #expect(CitizenMailbox.testID("published-accepted", in: page.text) == "2026-11-03")
            #expect(page.text.contains("来信日期") && page.text.contains("受理日期") && page.text.contains("追问答复"))
            #expect(page.text.contains("已安排维修。") && page.text.contains("已再次维修并加装巡检。"))
            let query = try await mailbox.query(receipt.number, password)
            #expect(query.text.contains("已安排维修。") && query.text.contains("已再次维修并加装巡检。"))
        }
    }

    @Test("21, 22, 12: the dashboard shows the transfer deadline, what the median leaves out, and bounded lists; deadlines come in pages")
    func dashboard() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.test { client in
            // 25 consultations of Monday 11-02, due 11-09
            server.clock.set(officeInstant("2026-11-02 10:00"))
            var clerk = try await staff("clerk", client)
            let cityID = try await clerk.departmentID("城建处")
            var letters: [LetterView] = []
            for index in 0..<25 {
                let letter = try await server.officeLetter(.consultation, subject: "咨询\(index)")
                #expect(try await clerk.act(letter.id, "accept").status == .ok)
                #expect(try await clerk.act(letter.id, "assign", #"{"lead":\#(cityID)}"#).status == .ok)
                letters.append(letter)
            }
            // and one waiting for triage since Friday 11-06 (transfer by 11-09)
            server.clock.set(officeInstant("2026-11-06 10:00"))
            let waiting = try await server.officeLetter(.complaint, subject: "不属本机关的来信")
            server.clock.set(officeInstant("2026-11-10 10:00"))
            _ = try await server.database.mailbox.markOverdueLetters(at: server.clock.now())
            clerk = try await staff("clerk", client)
            let city = try await staff("city", client)
            let leader = try await staff("leader", client)
            #expect(try await city.act(letters[0].id, "draft", #"{"body":"答复"}"#).status == .ok)
            #expect(try await leader.act(letters[0].id, "sign-off").status == .ok)

            let page = try await clerk.page("/office/dashboard")
            #expect(page.status == .ok)
            let triage = try #require(page.text.firstRange(of: #"data-testid="dashboard-triage""#))
            let overdue = try #require(page.text.firstRange(of: #"data-testid="dashboard-overdue""#))
            let dueSoon = try #require(page.text.firstRange(of: #"data-testid="dashboard-due-soon""#))
            let triageSection = page.text[triage.upperBound..<overdue.lowerBound]
            #expect(triageSection.contains(waiting.number))
            #expect(triageSection.contains(#"data-testid="transfer-due">2026-11-09<"#))
            #expect(triageSection.contains(#"data-testid="marker-transfer-late""#))
            #expect(page.text.contains(#"data-testid="triage-late""#))
            let overdueSection = page.text[overdue.upperBound..<dueSoon.lowerBound]
            #expect(overdueSection.components(separatedBy: #"data-testid="letter-row""#).count - 1 == 20)
            #expect(overdueSection.contains(#"data-testid="overdue-more""#) && overdueSection.contains("共 24 件"))
            #expect(page.text.contains(#"data-testid="median-note""#))
            #expect(page.text.contains("不含征求意见暂停和等待补正的时间"))
            let letterPage = try await clerk.page("/office/letters/\(waiting.id)")
            #expect(CitizenMailbox.testID("letter-transfer-due", in: letterPage.text) == "2026-11-09")

            #expect(try await clerk.act(waiting.id, "transfer", #"{"to":"市公安局"}"#).status == .ok)
            let statistics = try OfficeJSONBody.decode(
                StatisticsWithTransfers.self, try await clerk.json(.get, "/api/v1/office/statistics?from=2026-11-01&to=2026-11-30"))
            #expect(statistics.transfers.transferred == 1 && statistics.transfers.withinDeadline == 0)

            let first = try OfficeJSONBody.decode(
                PagedDeadlines.self, try await clerk.json(.get, "/api/v1/office/deadlines?filter=overdue&limit=10"))
            #expect(first.deadlines.count == 10 && first.more)
            let last = try OfficeJSONBody.decode(
                PagedDeadlines.self, try await clerk.json(.get, "/api/v1/office/deadlines?filter=overdue&limit=10&offset=20"))
            #expect(last.deadlines.count == 4 && !last.more)
            for bad in ["limit=0", "limit=201", "offset=-1", "limit=x"] {
                let response = try await clerk.json(.get, "/api/v1/office/deadlines?\(bad)")
                #expect(response.status == .unprocessableContent, "\(bad)")
            }
        }
    }
}

struct PagedDeadlines: Decodable {
    var deadlines: [LetterDeadlineRow]
    var more: Bool
}

struct StatisticsWithTransfers: Decodable {
    var transfers: TransferStatistics
}
