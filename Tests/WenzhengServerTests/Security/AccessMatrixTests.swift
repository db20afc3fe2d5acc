import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// Issue 14: every GET route × every role (and anonymous) × every kind of
/// sensitive text. Each marker below is a unique string planted in the
/// fixture; it may appear in an answer only to the identities its
/// `allowed` set names (docs/security.md, README roles,
/// `PersonalInformationAccess`). `RouteTableTests` checks the 401/403 of
/// each route; this checks what the 200s carry.
@Suite("Issue 14: access matrix")
struct SecurityAccessMatrixTests {
    /// Which fixture id goes into a route's `{id}`. Every GET route of the
    /// router must be listed: a new one fails `everyGetRouteIsInTheMatrix`
    /// until someone decides what to request it with.
    enum IDKind { case fixed, letter, interview, moderationItem, openDay, unknown }

    static let getRoutes: [String: IDKind] = [
        "GET /": .fixed, "GET /healthz": .fixed, "GET /readyz": .fixed, "GET /preferences": .fixed, "GET /api/v1/openapi.json": .fixed,
        "GET /login": .fixed, "GET /api/v1/session": .fixed, "GET /staff": .fixed, "GET /admin/users": .fixed,
        "GET /api/v1/staff/users": .fixed, "GET /admin/audit": .fixed, "GET /api/v1/audit": .fixed,
        // Consultations and surveys hold no fixture here (survey text: not covered).
        "GET /consultations": .fixed, "GET /consultations/{id}": .unknown, "GET /api/v1/consultations": .fixed,
        "GET /api/v1/consultations/{id}": .unknown, "GET /staff/consultations": .fixed, "GET /staff/consultations/new": .fixed,
        "GET /staff/consultations/{id}": .unknown, "GET /staff/consultations/{id}/comments": .unknown,
        "GET /staff/consultations/{id}/export": .unknown, "GET /api/v1/consultations/office": .fixed,
        "GET /api/v1/consultations/{id}/office": .unknown, "GET /api/v1/consultations/{id}/export": .unknown,
        "GET /events": .fixed, "GET /events/{id}": .openDay, "GET /events/{id}/registration": .openDay,
        "GET /events/{id}/calendar.ics": .openDay, "GET /api/v1/events": .fixed, "GET /api/v1/events/{id}": .openDay,
        "GET /staff/events": .fixed, "GET /staff/events/{id}": .openDay, "GET /staff/events/{id}/attendees.csv": .openDay,
        "GET /api/v1/events/{id}/attendees": .openDay,
        "GET /interviews": .fixed, "GET /interviews/{id}": .interview, "GET /interviews/{id}/calendar.ics": .interview,
        "GET /interviews/{id}/transcript.md": .interview, "GET /interviews/{id}/transcript.html": .interview,
        "GET /interviews/{id}/transcript.json": .interview, "GET /interviews/{id}/transcript.txt": .interview,
        "GET /api/v1/interviews": .fixed, "GET /api/v1/interviews/{id}": .interview,
        "GET /api/v1/interviews/{id}/transcript": .interview, "GET /api/v1/interviews/{id}/questions": .interview,
        "GET /live/interviews/{id}": .interview, "GET /api/v1/interviews/{id}/queue": .interview,
        "GET /staff/interviews": .fixed, "GET /staff/interviews/deferred": .fixed, "GET /staff/interviews/{id}": .interview,
        "GET /api/v1/deferred-questions": .fixed, "GET /live/interviews/{id}/console": .interview,
        "GET /office/letters": .fixed, "GET /office/letters/{id}": .letter, "GET /office/dashboard": .fixed,
        "GET /office/letters/{id}/attachments/{attachment}": .letter, "GET /office/policies": .fixed,
        "GET /api/v1/office/letters": .fixed, "GET /api/v1/office/letters/{id}": .letter,
        "GET /api/v1/office/letters/{id}/attachments": .letter, "GET /api/v1/office/letters/{id}/attachments/{attachment}": .letter,
        "GET /api/v1/office/deadlines": .fixed, "GET /api/v1/office/statistics": .fixed, "GET /api/v1/office/departments": .fixed,
        "GET /api/v1/office/policies": .fixed, "GET /api/v1/office/notice-addresses": .fixed,
        "GET /letters": .fixed, "GET /letters/new": .fixed, "GET /letters/query": .fixed, "GET /letters/deadline": .fixed,
        "GET /letters/statistics": .fixed, "GET /letters/{id}": .letter, "GET /letters/{id}/deadline": .letter,
        "GET /api/v1/letters/published": .fixed, "GET /api/v1/letters/published/{id}": .letter,
        "GET /api/v1/letters/deadline": .fixed, "GET /api/v1/letters/statistics": .fixed,
        "GET /admin/moderation": .fixed, "GET /api/v1/moderation/lists": .fixed, "GET /moderation": .fixed,
        "GET /moderation/items/{id}/card": .moderationItem, "GET /api/v1/moderation/items": .fixed,
        "GET /api/v1/moderation/items/{id}": .moderationItem, "GET /api/v1/moderation/reasons": .fixed,
        "GET /live/moderation": .fixed,
        "GET /surveys": .fixed, "GET /surveys/{id}": .unknown, "GET /surveys/{id}/results": .unknown,
        "GET /surveys/{id}/charts/{key}": .unknown, "GET /api/v1/surveys": .fixed, "GET /api/v1/surveys/{id}": .unknown,
        "GET /api/v1/surveys/{id}/results": .unknown, "GET /staff/surveys": .fixed, "GET /staff/surveys/{id}": .unknown,
        "GET /staff/surveys/{id}/questions/{index}": .unknown, "GET /staff/surveys/{id}/results": .unknown,
        "GET /staff/surveys/{id}/charts/{key}": .unknown, "GET /staff/surveys/{id}/export": .unknown,
        "GET /api/v1/surveys/{id}/export": .unknown,
    ]

    /// Anonymous, or signed in with one role.
    enum Identity: Hashable, CustomStringConvertible {
        case anonymous
        case staff(Role)
        var description: String {
            switch self {
            case .anonymous: "anonymous"
            case .staff(let role): role.rawValue
            }
        }
        static let all: [Identity] = [.anonymous] + Role.allCases.map { .staff($0) }
    }

    struct Marker {
        var name: String
        var value: String
        var allowed: Set<Role>
    }

    /// The sensitive things of the fixture and who may read each.
    static let markers: [Marker] = [
        // A letter the writer did not allow to be published: the office only.
        Marker(name: "private letter text", value: "私密来信标记QX7", allowed: [.admin, .handler, .reviewer]),
        Marker(name: "letter writer's phone", value: "13700002222", allowed: [.admin, .handler, .reviewer]),
        Marker(name: "letter writer's e-mail", value: "writer.secret@example.cn", allowed: [.admin, .handler, .reviewer]),
        // A question's contact and its unmasked text: admins and the interview's own host.
        Marker(name: "question contact", value: "13600003333", allowed: [.admin, .host]),
        Marker(name: "number in a question", value: "13500004444", allowed: [.admin, .host]),
        Marker(name: "asker's nickname", value: "提问人昵称甲", allowed: [.admin, .host]),
        // A rejected question: never public, the moderation queue only.
        Marker(name: "rejected question", value: "拒绝问题标记MM2", allowed: [.admin, .moderator]),
        // A withdrawn transcript entry: its text for admins and the host; the reason for staff.
        Marker(name: "withdrawn entry text", value: "撤回内容标记ZK9", allowed: [.admin, .host]),
        Marker(name: "withdrawal reason", value: "撤回理由标记RR5", allowed: [.admin, .host, .guest, .moderator]),
        // An open-day visitor's phone and name: organisers (hosts) and admins.
        Marker(name: "visitor's phone", value: "13400005555", allowed: [.admin, .host]),
        Marker(name: "visitor's name", value: "访客欧阳某", allowed: [.admin, .host]),
    ]

    struct Fixture {
        var letter: Int64
        var interview: Int64
        var moderationItem: Int64
        var openDay: Int64

        func path(_ route: String) -> String {
            let template = String(route.split(separator: " ", maxSplits: 1)[1])
            let id: Int64? =
                switch SecurityAccessMatrixTests.getRoutes[route] {
                case .letter: letter
                case .interview: interview
                case .moderationItem: moderationItem
                case .openDay: openDay
                case .unknown, .fixed, nil: 1
                }
            return template.replacing("{id}", with: String(id ?? 1)).replacing(/\{[^}]+\}/, with: "1")
        }
    }

    @Test func everyGetRouteIsInTheMatrix() async throws {
        let server = try await TestServer()
        let gets = RouteTableTests.routeKeys(server.router).filter { $0.hasPrefix("GET ") }
        #expect(gets.subtracting(Self.getRoutes.keys).isEmpty, "routes the matrix does not request: \(gets.subtracting(Self.getRoutes.keys).sorted())")
        #expect(Set(Self.getRoutes.keys).subtracting(gets).isEmpty, "stale: \(Set(Self.getRoutes.keys).subtracting(gets).sorted())")
    }

    /// Plants every marker through the public API and the staff's own actions.
    static func makeFixture(_ server: TestServer, _ client: any TestClientProtocol) async throws -> Fixture {
        // The private letter.
        let letter = try await client.postJSON(
            "/api/v1/letters",
            #"{"type":"consultation","subject":"咨询事项","body":"私密来信标记QX7，请回电","authorName":"写信人","phone":"13700002222","email":"writer.secret@example.cn","mayPublish":false}"#
        )
        #expect(letter.status == .created, "\(letter.text)")
        let number = try JSONDecoder().decode(ReceiptBody.self, from: Data(buffer: letter.body)).number
        let letterID = try #require(try await server.database.mailbox.letterForQuery(number: number)).0.id

        // The interview: one approved question with a contact, one rejected, a withdrawn entry.
        let host = InterviewDriver(client: client, staff: try await client.logIn("user-host"))
        let interview = try await host.create(guests: #"[{"name":"张三","title":"副厅长","department":"司法厅","username":"user-guest"}]"#)
        #expect(try await host.status(interview, "open").status == .ok)
        let asked = try await client.postJSON(
            "/api/v1/interviews/\(interview)/questions", #"{"text":"请回电13500004444，谢谢","nickname":"提问人昵称甲","contact":"13600003333"}"#)
        #expect(asked.status == .created, "\(asked.text)")
        let rejected = try await client.postJSON(
            "/api/v1/interviews/\(interview)/questions", #"{"text":"拒绝问题标记MM2 与本次访谈无关","nickname":"路人"}"#)
        #expect(rejected.status == .created, "\(rejected.text)")
        let moderator = try await client.logIn("user-moderator")
        let listed = try await client.execute(uri: "/api/v1/moderation/items", method: .get, headers: moderator.headers())
        let items = try JSONDecoder.iso.decode(ItemsBody.self, from: Data(buffer: listed.body)).items
        #expect(items.count == 2)
        var rejectedItem: Int64 = 0
        for item in items {
            let reject = item.text.contains("拒绝问题标记MM2")
            if reject { rejectedItem = item.id }
            let decided = try await client.execute(
                uri: "/api/v1/moderation/items/\(item.id)/decision", method: .post, headers: moderator.headers(csrf: true, json: true),
                body: ByteBuffer(string: reject ? #"{"action":"reject","reason":"off_topic"}"# : #"{"action":"approve"}"#))
            #expect(decided.status == .ok, "\(decided.text)")
        }
        #expect(rejectedItem != 0)
        #expect(try await host.status(interview, "live").status == .ok)
        let posted = try await host.post(interview, "撤回内容标记ZK9")
        let entryID = try JSONDecoder.iso.decode(EntryEventBody.self, from: Data(buffer: posted.body)).entry!.id
        let admin = InterviewDriver(client: client, staff: try await client.logIn("user-admin"))
        let withdrawn = try await admin.json(
            .post, "/api/v1/interviews/\(interview)/entries/\(entryID)/unpublish", #"{"reason":"撤回理由标记RR5"}"#)
        #expect(withdrawn.status == .ok, "\(withdrawn.text)")

        // An open day with one visitor.
        let openDay = try OpenDay.scheduled(
            title: "司法行政开放日", programme: "参观", location: "南京市北京西路28号", start: OpenDayHTTP.start, durationMinutes: 150,
            capacity: 10, registrationOpens: nil, now: server.clock.now())
        let openDayID = try await server.database.events.scheduleOpenDay(openDay, actor: .commandLine(osUser: "test"), at: server.clock.now()).id
        let registered = try await client.postJSON(
            "/api/v1/events/\(openDayID)/registrations", #"{"name":"访客欧阳某","phone":"13400005555","partySize":1}"#)
        #expect(registered.status == .created, "\(registered.text)")
        return Fixture(letter: letterID, interview: interview, moderationItem: rejectedItem, openDay: openDayID)
    }

    @Test("no marker reaches an identity outside its allowed set, over every GET route")
    func matrix() async throws {
        let server = try await TestServer()
        for role in Role.allCases {
            try await server.addStaff("user-\(role.rawValue)", role: role)
        }
        try await server.test { client in
            let fixture = try await Self.makeFixture(server, client)
            var sessions: [Identity: HTTPFields] = [.anonymous: [:]]
            for role in Role.allCases {
                sessions[.staff(role)] = try await client.logIn("user-\(role.rawValue)").headers()
            }
            // (marker, identity) pairs seen, to show the fixture is really there.
            var seen = Set<String>()
            for route in Self.getRoutes.keys.sorted() {
                let uri = fixture.path(route)
                for identity in Identity.all {
                    for accept in ["text/html", "application/json"] {
                        var headers = sessions[identity]!
                        headers[.accept] = accept
                        let response = try await client.execute(uri: uri, method: .get, headers: headers)
                        let text = response.text
                        for marker in Self.markers where text.contains(marker.value) {
                            switch identity {
                            case .anonymous:
                                Issue.record("\(route) (\(uri), \(accept)) shows \(marker.name) to anonymous")
                            case .staff(let role):
                                if marker.allowed.contains(role) {
                                    seen.insert("\(marker.name)/\(role.rawValue)")
                                } else {
                                    Issue.record("\(route) (\(uri), \(accept)) shows \(marker.name) to \(role.rawValue)")
                                }
                            }
                        }
                    }
                }
            }
            // Each marker is shown to admins somewhere: the matrix is not looking at an empty fixture.
            for marker in Self.markers {
                #expect(seen.contains("\(marker.name)/admin"), "no route shows \(marker.name) even to an admin")
            }
        }
    }
}
