import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// The pages and the API show what `LetterWorkflow` allows, no more and no
/// less, and the citizen and the office see the same "overdue".
@Suite("Mailbox over HTTP follows the letter workflow")
struct LetterWorkflowHTTPTests {
    struct OverdueBody: Decodable { var overdue: Bool }
    struct RowsBody: Decodable {
        struct Row: Decodable {
            var id: Int64
            var overdue: Bool
        }
        var letters: [Row]
    }

    @Test("the citizen's view and the office's agree on overdue, before the sweep has marked it and after", arguments: ServerTestBackend.underTest)
    func overdueIsOneRule(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.officeStaff()
        server.clock.set(officeInstant("2026-11-18 10:00"))
        try await server.test { client in
            let citizen = CitizenMailbox(client: client)
            // A consultation received on Wednesday 11-18 is due on 11-25.
            let receipt = try await citizen.submit()
            // Signed in afresh for each look: the clock moves by days, past
            // any session's lifetime.
            func clerk() async throws -> OfficeClient { OfficeClient(client: client, staff: try await client.logIn("clerk")) }
            let credentials = CitizenMailbox.form([("number", receipt.number), ("password", receipt.password!)])
            func citizenAPI() async throws -> Bool {
                try JSONDecoder().decode(OverdueBody.self, from: Data(buffer: try await citizen.query(receipt.number, receipt.password!).body))
                    .overdue
            }
            func citizenPage() async throws -> Bool {
                try await client.postForm("/letters/query", credentials).text.contains(#"data-testid="letter-overdue""#)
            }
            func officeList() async throws -> Bool {
                try OfficeJSONBody.decode(RowsBody.self, try await clerk().json(.get, "/api/v1/office/letters")).letters.map(\.overdue) == [true]
            }
            func officePage(_ id: Int64) async throws -> Bool {
                try await clerk().page("/office/letters/\(id)").text.contains(#"data-testid="marker-overdue""#)
            }
            let id = try await server.database.mailbox.letters().first!.id
            /// Overdue as the citizen's API and page, and the office's list and page, say.
            func views() async throws -> [Bool] {
                [try await citizenAPI(), try await citizenPage(), try await officeList(), try await officePage(id)]
            }

            // On its due date it is not overdue anywhere.
            server.clock.set(officeInstant("2026-11-25 18:00"))
            #expect(try await views() == [false, false, false, false])

            // The day after, before any sweep: overdue for both.
            server.clock.set(officeInstant("2026-11-26 09:00"))
            #expect(try await server.database.mailbox.letter(id: id).overdue == false)
            #expect(try await views() == [true, true, true, true])

            // After the sweep marked it: still both.
            _ = try await server.database.mailbox.markOverdueLetters(at: server.clock.now())
            #expect(try await server.database.mailbox.letter(id: id).overdue)
            #expect(try await views() == [true, true, true, true])
        }
    }

    @Test("the API lists, and the page shows forms for, exactly the actions LetterWorkflow allows each staff member", arguments: ServerTestBackend.underTest)
    func actionsShownAreTheWorkflows(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.officeStaff()
        server.clock.set(officeInstant("2026-11-18 10:00"))
        let complaint = try await server.officeLetter()
        let disclosure = try await server.officeLetter(.informationDisclosure, subject: "申请公开补偿标准")
        try await server.test { client in
            var staff: [(name: String, role: Role, department: String, client: OfficeClient)] = []
            /// Signs everyone in (again, once the clock has moved past their sessions).
            func signIn() async throws {
                staff = []
                for (name, role, department) in [
                    ("clerk", Role.handler, "办公室"), ("city", .handler, "城建处"), ("edu", .handler, "教育处"), ("leader", .reviewer, "办公室"),
                    ("boss", .admin, "办公室"),
                ] {
                    staff.append((name, role, department, OfficeClient(client: client, staff: try await client.logIn(name))))
                }
            }
            try await signIn()
            let clerk = staff[0].client
            let leader = staff[3].client
            let cityID = try await clerk.departmentID("城建处")

            /// Compares what each staff member is offered with the workflow's answer.
            func check(_ id: Int64, _ step: String) async throws {
                let calendar = try await server.database.calendar.workingDayCalendar()
                let today = CivilDate(server.clock.now())
                for member in staff {
                    let actor = LetterActor(
                        role: member.role, departmentID: try await member.client.departmentID(member.department), department: member.department,
                        triageDepartment: defaultDepartmentName)
                    let detail = try await member.client.json(.get, "/api/v1/office/letters/\(id)")
                    let letter = try await server.database.mailbox.letter(id: id)
                    guard LetterWorkflow.refusalToView(letter.workflowFacts(timeline: []), by: actor) == nil else {
                        #expect(detail.status == .forbidden, "\(member.name) \(step)")
                        continue
                    }
                    let body = try OfficeJSONBody.decode(OfficeDetailBody.self, detail)
                    let allowed = LetterWorkflow.availableActions(
                        body.letter.workflowFacts(timeline: body.timeline), by: actor, today: today, calendar: calendar)
                    #expect(body.actions == allowed.map(\.rawValue), "\(member.name) \(step)")
                    let page = try await member.client.page("/office/letters/\(id)").text
                    for action in LetterAction.allCases where !action.isPublication {
                        #expect(
                            page.contains(#"data-testid="form-\#(action.rawValue)""#) == allowed.contains(action),
                            "\(member.name) \(action.rawValue) \(step)")
                    }
                }
            }

            try await check(complaint.id, "received")
            #expect(try await clerk.act(complaint.id, "accept", nil).status == .ok)
            try await check(complaint.id, "accepted")
            #expect(try await clerk.act(complaint.id, "assign", #"{"lead":\#(cityID)}"#).status == .ok)
            try await check(complaint.id, "assigned")
            #expect(try await staff[1].client.act(complaint.id, "draft", #"{"body":"已安排维修。"}"#).status == .ok)
            try await check(complaint.id, "awaiting sign-off")
            #expect(try await leader.act(complaint.id, "sign-off", "{}").status == .ok)
            try await check(complaint.id, "replied")

            try await check(disclosure.id, "received disclosure")
            #expect(try await clerk.act(disclosure.id, "accept", nil).status == .ok)
            #expect(try await clerk.act(disclosure.id, "assign", #"{"lead":\#(cityID)}"#).status == .ok)
            try await check(disclosure.id, "assigned disclosure")
            #expect(try await staff[1].client.act(disclosure.id, "pause", #"{"reason":"third_party","note":"征求第三方意见"}"#).status == .ok)
            try await check(disclosure.id, "paused disclosure")
            // Past its deadline, the clock's actions go.
            server.clock.set(officeInstant("2027-02-01 10:00"))
            try await signIn()
            #expect(try await staff[1].client.act(disclosure.id, "resume", "{}").status == .ok)
            try await check(disclosure.id, "overdue disclosure")
        }
    }
}
