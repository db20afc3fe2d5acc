import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// An open day in a test server: scheduled through the store on
/// 2026-11-18 (`testStart`, 19:06 Beijing time) for Wednesday 2026-11-25,
/// 09:30–12:00 Beijing time; registration is open from scheduling until
/// 24 hours before the start.
struct OpenDayHTTP {
    static let start = OfficeDateTime(date: CivilDate(year: 2026, month: 11, day: 25), hour: 9, minute: 30).instant()
    /// 08:00 on the day: the doors are open for check-in.
    static let doorsOpen = OfficeDateTime(date: CivilDate(year: 2026, month: 11, day: 25), hour: 8, minute: 0).instant()

    let server: TestServer
    let id: Int64

    init(
        capacity: Int = 3, title: String = "司法行政开放日", programme: String = "参观法律援助中心\n与律师座谈",
        opens: Date? = nil, configure: (inout AppConfiguration) -> Void = { _ in }
    ) async throws {
        server = try await TestServer(configure: configure)
        try await server.addStaff("organiser", role: .host)
        try await server.addStaff("clerk", role: .handler)
        let openDay = try OpenDay.scheduled(
            title: title, programme: programme, location: "南京市北京西路28号", start: Self.start, durationMinutes: 150,
            capacity: capacity, registrationOpens: opens, now: server.clock.now())
        id = try await server.database.events.scheduleOpenDay(openDay, actor: .commandLine(osUser: "test"), at: server.clock.now()).id
    }

    static func phone(_ n: Int) -> String { "139 0000 \(String(format: "%04d", n))" }

    /// The JSON of visitor `n`'s registration for a party of `size`.
    static func registration(_ n: Int, size: Int = 1, email: String? = nil) -> String {
        let email = email.map { #","email":"\#($0)""# } ?? ""
        return #"{"name":"访客\#(n)","phone":"\#(phone(n))","partySize":\#(size)\#(email)}"#
    }

    var registrations: String { "/api/v1/events/\(id)/registrations" }
}

/// A visitor's registration as the API answers it.
struct VisitorRegistrationBody: Decodable {
    var openDayID: Int64
    var code: String
    var status: String
    var partySize: Int
    var waitlistPosition: Int?
    var name: String
    var phone: String
}

struct OpenDayBody: Decodable {
    var id: Int64
    var title: String
    var capacity: Int
    var seatsLeft: Int
    var waitlisted: Int
    var registration: String
    var state: String
    var timeChanged: Bool
    var cancellationReason: String?
    var revision: Int
}

struct WindowProblemBody: Decodable {
    var type: String
    var status: Int
    var window: Window?
    var errors: [ProblemBody.FieldErrorBody]?

    struct Window: Decodable {
        var opensAt: Date
        var closesAt: Date
    }
}

extension TestClientProtocol {
    /// Registers visitor `n` through the API and returns the answer.
    func register(_ openDay: OpenDayHTTP, _ n: Int, size: Int = 1, email: String? = nil) async throws -> VisitorRegistrationBody {
        let response = try await postJSON(openDay.registrations, OpenDayHTTP.registration(n, size: size, email: email))
        #expect(response.status == .created, "\(response.text)")
        return try JSONDecoder.iso.decode(VisitorRegistrationBody.self, from: Data(buffer: response.body))
    }

    func openDay(_ openDay: OpenDayHTTP) async throws -> OpenDayBody {
        let response = try await execute(uri: "/api/v1/events/\(openDay.id)", method: .get)
        #expect(response.status == .ok)
        return try JSONDecoder.iso.decode(OpenDayBody.self, from: Data(buffer: response.body))
    }

    func query(_ openDay: OpenDayHTTP, code: String) async throws -> TestResponse {
        try await postJSON("/api/v1/events/\(openDay.id)/registration/query", #"{"code":"\#(code)"}"#)
    }

    func cancel(_ openDay: OpenDayHTTP, code: String) async throws -> TestResponse {
        try await postJSON("/api/v1/events/\(openDay.id)/registration/cancel", #"{"code":"\#(code)"}"#)
    }
}
