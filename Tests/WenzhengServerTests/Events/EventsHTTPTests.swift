import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// Open days over the JSON API, on a real temporary SQLite file: seats
/// then the waitlist, cancelling by code and the promotion it causes (with
/// its notice in the outbox), one registration per phone, the window,
/// bad input, code guessing, check-in at the door, the attendee list and
/// marking an open day held.
@Suite("Open days: the API")
struct EventsHTTPTests {
    @Test("parties are seated until the seats are gone, then waitlisted in order")
    func registerUntilFullThenWaitlist() async throws {
        let day = try await OpenDayHTTP(capacity: 3)
        try await day.server.test { client in
            let first = try await client.register(day, 1, size: 2)
            #expect(first.status == "registered" && first.waitlistPosition == nil)
            #expect(first.code.count == 8 && ConfirmationCode(first.code) != nil)
            #expect(first.name == "访**" && first.phone == "139****0001")
            let second = try await client.register(day, 2)
            #expect(second.status == "registered")
            #expect(try await client.openDay(day).seatsLeft == 0)
            let third = try await client.register(day, 3)
            #expect(third.status == "waitlisted" && third.waitlistPosition == 1)
            let fourth = try await client.register(day, 4, size: 2)
            #expect(fourth.status == "waitlisted" && fourth.waitlistPosition == 2)
            let openDay = try await client.openDay(day)
            #expect(openDay.seatsLeft == 0 && openDay.waitlisted == 2 && openDay.registration == "open")
            let listed = try await client.execute(uri: "/api/v1/events", method: .get)
            #expect(listed.status == .ok)
            #expect(try listed.json()["openDays"] as? [[String: Any]] != nil)
        }
    }

    @Test("a cancellation by code seats the earliest waitlisted party that fits, and its visitor is notified")
    func cancelPromotes() async throws {
        let day = try await OpenDayHTTP(capacity: 3)
        let (first, waiting) = try await day.server.prepare { client in
            let first = try await client.register(day, 1, size: 2)
            _ = try await client.register(day, 2)
            let big = try await client.register(day, 3, size: 3)
            let small = try await client.register(day, 4, email: "visitor4@example.cn")
            #expect(big.waitlistPosition == 1 && small.waitlistPosition == 2)
            return (first, [big, small])
        }
        let promotedID = try await day.server.database.events.attendees(openDayID: day.id).first { $0.phone.digits == "13900000004" }!.id
        try await day.server.test { client in
            // Typed as a visitor might: lower case, a space in the middle.
            let typed = first.code.lowercased().prefix(4) + " " + first.code.lowercased().suffix(4)
            let cancelled = try await client.cancel(day, code: String(typed))
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            #expect(try JSONDecoder.iso.decode(VisitorRegistrationBody.self, from: Data(buffer: cancelled.body)).status == "cancelled")
            // Two seats free: the party of 3 does not fit and keeps its
            // place; the party of 1 behind it is seated.
            let small = try await client.query(day, code: waiting[1].code)
            #expect(try JSONDecoder.iso.decode(VisitorRegistrationBody.self, from: Data(buffer: small.body)).status == "registered")
            let big = try await client.query(day, code: waiting[0].code)
            let bigBody = try JSONDecoder.iso.decode(VisitorRegistrationBody.self, from: Data(buffer: big.body))
            #expect(bigBody.status == "waitlisted" && bigBody.waitlistPosition == 1)
            let again = try await client.cancel(day, code: first.code)
            #expect(again.status == .conflict)
            #expect(try again.problem().errors?.map(\.code) == ["already_cancelled"])
        }
        let notices = try await day.server.database.notifications.messages(
            subjectType: "open_day_registration", subjectID: String(promotedID))
        #expect(notices.map(\.kind) == ["registration.promoted"])
        #expect(notices.first?.recipient == "visitor4@example.cn")
        #expect(notices.first?.body.contains(ConfirmationCode(waiting[1].code)!.description) == true)
    }

    @Test("the same phone, however written, keeps one registration and learns nothing of it")
    func samePhoneTwice() async throws {
        let day = try await OpenDayHTTP()
        try await day.server.test { client in
            let first = try await client.register(day, 7)
            let second = try await client.postJSON(
                day.registrations, #"{"name":"别人","phone":"+86 139-0000-0007","partySize":2}"#)
            #expect(second.status == .conflict)
            let problem = try second.problem()
            #expect(problem.type == "urn:wenzheng:problem:conflict")
            #expect(problem.errors?.map(\.field) == ["phone"] && problem.errors?.map(\.code) == ["phone_already_registered"])
            #expect(!second.text.contains(first.code) && !second.text.contains("访客7"))
            let attendees = try await day.server.database.events.attendees(openDayID: day.id)
            #expect(attendees.count == 1 && attendees[0].partySize == 1)
            // Once cancelled, the phone may register again.
            #expect(try await client.cancel(day, code: first.code).status == .ok)
            #expect(try await client.register(day, 7).status == "registered")
        }
    }

    @Test("outside the registration window: 409 outside-window with the window")
    func outsideWindow() async throws {
        let opens = try OfficeTimeText.parse("2026-11-20T09:00")
        let day = try await OpenDayHTTP(opens: opens)
        try await day.server.prepare { client in
            let early = try await client.postJSON(day.registrations, OpenDayHTTP.registration(1))
            #expect(early.status == .conflict)
            let problem = try JSONDecoder.iso.decode(WindowProblemBody.self, from: Data(buffer: early.body))
            #expect(problem.type == "urn:wenzheng:problem:outside-window")
            #expect(problem.window?.opensAt == opens)
            #expect(problem.window?.closesAt == OpenDayHTTP.start.addingTimeInterval(-86_400))
            #expect(problem.errors?.map(\.code) == ["registration_not_yet_open"])
            #expect(try await client.openDay(day).registration == "not_yet_open")
        }
        day.server.clock.set(try OfficeTimeText.parse("2026-11-24T10:00"))
        try await day.server.test { client in
            let late = try await client.postJSON(day.registrations, OpenDayHTTP.registration(1))
            #expect(late.status == .conflict)
            let problem = try JSONDecoder.iso.decode(WindowProblemBody.self, from: Data(buffer: late.body))
            #expect(problem.type == "urn:wenzheng:problem:outside-window" && problem.errors?.map(\.code) == ["registration_closed"])
            #expect(try await client.openDay(day).registration == "closed")
        }
    }

    @Test("bad input: 422 naming every field with Core's codes; unknown open day 404")
    func badInput() async throws {
        let day = try await OpenDayHTTP(capacity: 2)
        try await day.server.test { client in
            let bad = try await client.postJSON(day.registrations, #"{"name":"","phone":"010-12345678","email":"nobody","partySize":4}"#)
            #expect(bad.status == .unprocessableContent)
            let problem = try bad.problem()
            #expect(problem.type == "urn:wenzheng:problem:validation-failed")
            #expect(Set(problem.errors?.map(\.field) ?? []) == ["name", "phone", "email", "partySize"])
            #expect(problem.errors?.first { $0.field == "partySize" }?.code == "out_of_range")
            let tooMany = try await client.postJSON(day.registrations, OpenDayHTTP.registration(1, size: 3))
            #expect(try tooMany.problem().errors?.map(\.code) == ["larger_than_capacity"])
            let unknown = try await client.postJSON("/api/v1/events/999/registrations", OpenDayHTTP.registration(1))
            #expect(unknown.status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/events/999", method: .get).status == .notFound)
            let malformed = try await client.postJSON(day.registrations, #"{"name":"#)
            #expect(malformed.status == .badRequest)
        }
    }

    @Test("wrong codes are limited per address; right ones do not count")
    func codeGuessesAreLimited() async throws {
        let day = try await OpenDayHTTP { $0.eventCodeLimit = RateLimitPolicy(limit: 3, window: 600) }
        try await day.server.prepare { client in
            let mine = try await client.register(day, 1)
            for _ in 0..<5 {
                #expect(try await client.query(day, code: mine.code).status == .ok)
            }
            for guess in ["AAAAAAAA", "not a code", "BBBB-BBBB"] {
                let wrong = try await client.query(day, code: guess)
                #expect(wrong.status == .unprocessableContent)
                #expect(try wrong.problem().errors?.map(\.code) == ["unknown_code"])
            }
            let blocked = try await client.cancel(day, code: "CCCCCCCC")
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.headers[.retryAfter] != nil)
            // Even the right code waits now: the address is out of tries.
            #expect(try await client.query(day, code: mine.code).status == .tooManyRequests)
            // Registering is limited apart.
            #expect(try await client.register(day, 2).status == "registered")
        }
        day.server.clock.advance(by: 601)
        try await day.server.test { client in
            let later = try await client.query(day, code: "AAAAAAAA")
            #expect(later.status == .unprocessableContent)
        }
    }

    @Test("registrations are limited per address")
    func registrationsAreLimited() async throws {
        let day = try await OpenDayHTTP(capacity: 50) { $0.eventRegistrationLimit = RateLimitPolicy(limit: 2, window: 600) }
        try await day.server.test { client in
            _ = try await client.register(day, 1)
            _ = try await client.register(day, 2)
            let third = try await client.postJSON(day.registrations, OpenDayHTTP.registration(3))
            #expect(third.status == .tooManyRequests)
            #expect(third.headers[.retryAfter] != nil)
        }
    }

    @Test("organisers check visitors in by code: twice is not an error, a waitlisted party has no seat")
    func checkIn() async throws {
        let day = try await OpenDayHTTP(capacity: 1)
        let (seated, waiting) = try await day.server.prepare { client in
            let seated = try await client.register(day, 1)
            let waiting = try await client.register(day, 2)
            let organiser = try await client.logIn("organiser")
            // Before the day: not yet.
            let early = try await client.execute(
                uri: "/api/v1/events/\(day.id)/check-in", method: .post, headers: organiser.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"code":"\#(seated.code)"}"#))
            #expect(early.status == .conflict)
            #expect(try early.problem().errors?.map(\.code) == ["check_in_not_yet_open"])
            return (seated, waiting)
        }
        day.server.clock.set(OpenDayHTTP.doorsOpen)
        try await day.server.test { client in
            // A session lasts 12 hours: sign in again on the day.
            let organiser = try await client.logIn("organiser")
            func checkIn(_ code: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/events/\(day.id)/check-in", method: .post, headers: organiser.headers(csrf: true, json: true),
                    body: ByteBuffer(string: #"{"code":"\#(code)"}"#))
            }
            let typed = seated.code.lowercased()
            let first = try await checkIn(typed)
            #expect(first.status == .ok, "\(first.text)")
            let firstBody = try first.json()
            #expect(firstBody["alreadyCheckedIn"] as? Bool == false)
            #expect((firstBody["registration"] as? [String: Any])?["status"] as? String == "checked_in")
            #expect((firstBody["registration"] as? [String: Any])?["phone"] as? String == "13900000001")
            let second = try await checkIn(seated.code)
            #expect(second.status == .ok)
            #expect(try second.json()["alreadyCheckedIn"] as? Bool == true)
            let waitlisted = try await checkIn(waiting.code)
            #expect(waitlisted.status == .conflict)
            #expect(try waitlisted.problem().errors?.map(\.code) == ["still_waitlisted"])
            let unknown = try await checkIn("ZZZZZZZZ")
            #expect(unknown.status == .unprocessableContent)
            // A checked-in party cannot be cancelled any more.
            #expect(try await client.cancel(day, code: seated.code).status == .conflict)
            let list = try await client.execute(uri: "/api/v1/events/\(day.id)/attendees", method: .get, headers: organiser.headers())
            #expect(list.headers[.cacheControl] == "no-store")
            let counts = try #require(try list.json()["counts"] as? [String: Any])
            #expect((counts["checkedIn"] as? [String: Any])?["people"] as? Int == 1)
            #expect((counts["waitlisted"] as? [String: Any])?["parties"] as? Int == 1)
            #expect(counts["noShow"] == nil)
        }
    }

    @Test("marking an open day held counts the no-shows; not before its start")
    func markHeld() async throws {
        let day = try await OpenDayHTTP(capacity: 3)
        try await day.server.prepare { client in
            _ = try await client.register(day, 1, size: 2)
            let organiser = try await client.logIn("organiser")
            let early = try await client.execute(
                uri: "/api/v1/events/\(day.id)/held", method: .post, headers: organiser.headers(csrf: true))
            #expect(early.status == .conflict)
            #expect(try early.problem().errors?.map(\.code) == ["not_started_yet"])
        }
        day.server.clock.set(OpenDayHTTP.start.addingTimeInterval(3600))
        try await day.server.test { client in
            let organiser = try await client.logIn("organiser")
            let held = try await client.execute(uri: "/api/v1/events/\(day.id)/held", method: .post, headers: organiser.headers(csrf: true))
            #expect(held.status == .ok, "\(held.text)")
            #expect(try held.json()["state"] as? String == "held")
            let list = try await client.execute(uri: "/api/v1/events/\(day.id)/attendees", method: .get, headers: organiser.headers())
            let body = try list.json()
            #expect(body["ended"] as? Bool == true)
            #expect(((body["counts"] as? [String: Any])?["noShow"] as? [String: Any])?["people"] as? Int == 2)
            let again = try await client.execute(
                uri: "/api/v1/events/\(day.id)/held", method: .post, headers: organiser.headers(csrf: true))
            #expect(try again.problem().errors?.map(\.code) == ["cannot_move"])
        }
    }

    @Test("organisers call an open day off with a reason; every live registration gets a notice")
    func cancelOpenDay() async throws {
        let day = try await OpenDayHTTP(capacity: 1)
        try await day.server.test { client in
            let seated = try await client.register(day, 1, email: "one@example.cn")
            _ = try await client.register(day, 2)
            let gone = try await client.register(day, 3)
            #expect(try await client.cancel(day, code: gone.code).status == .ok)
            let organiser = try await client.logIn("organiser")
            func cancel(_ json: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/events/\(day.id)/cancel", method: .post, headers: organiser.headers(csrf: true, json: true),
                    body: ByteBuffer(string: json))
            }
            let noReason = try await cancel(#"{"reason":"  "}"#)
            #expect(noReason.status == .unprocessableContent)
            #expect(try noReason.problem().errors?.map(\.field) == ["reason"])
            let cancelled = try await cancel(#"{"reason":"场馆临时检修"}"#)
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            let body = try cancelled.json()
            #expect(body["notices"] as? Int == 2 && body["noticesWithoutEmail"] as? Int == 1)
            let openDay = try await client.openDay(day)
            #expect(openDay.state == "cancelled" && openDay.cancellationReason == "场馆临时检修" && openDay.revision == 1)
            #expect(openDay.registration == "event_cancelled")
            let again = try await cancel(#"{"reason":"再取消一次"}"#)
            #expect(again.status == .conflict)
            #expect(try again.problem().errors?.map(\.code) == ["cannot_move"])
            // A visitor can no longer cancel; the registration lapses with the day.
            let late = try await client.cancel(day, code: seated.code)
            #expect(try late.problem().errors?.map(\.code) == ["event_cancelled"])
            let calendar = try await client.execute(uri: "/events/\(day.id)/calendar.ics", method: .get)
            #expect(calendar.text.contains("STATUS:CANCELLED") && calendar.text.contains("SEQUENCE:1"))
        }
        var kinds: [String] = []
        for registration in try await day.server.database.events.attendees(openDayID: day.id) {
            let messages = try await day.server.database.notifications.messages(
                subjectType: "open_day_registration", subjectID: String(registration.id))
            kinds += messages.map(\.kind).filter { $0 == "open_day.cancelled" }
        }
        #expect(kinds.count == 2)
    }

    @Test("organisers schedule an open day through the API; bad fields are named")
    func schedule() async throws {
        let server = try await TestServer()
        try await server.addStaff("organiser", role: .host)
        try await server.test { client in
            let organiser = try await client.logIn("organiser")
            let created = try await client.execute(
                uri: "/api/v1/events", method: .post, headers: organiser.headers(csrf: true, json: true),
                body: ByteBuffer(
                    string: #"""
                        {"title":"司法行政开放日","programme":"参观","location":"南京市北京西路28号","start":"2026-12-05T09:30:00+08:00",
                         "durationMinutes":150,"capacity":40}
                        """#))
            #expect(created.status == .created, "\(created.text)")
            #expect(created.headers[.location] == "/api/v1/events/1")
            let body = try created.json()
            #expect(body["capacity"] as? Int == 40 && body["registration"] as? String == "open")
            let bad = try await client.execute(
                uri: "/api/v1/events", method: .post, headers: organiser.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"title":"","start":"2026-01-05T09:30:00+08:00","durationMinutes":10,"capacity":0}"#))
            #expect(bad.status == .unprocessableContent)
            let fields = Set(try bad.problem().errors?.map(\.field) ?? [])
            #expect(fields.isSuperset(of: ["title", "programme", "location", "start", "durationMinutes", "capacity"]), "\(fields)")
            #expect(try bad.problem().errors?.first { $0.field == "start" }?.code == "in_the_past")
            let missing = try await client.execute(
                uri: "/api/v1/events", method: .post, headers: organiser.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"title":"开放日","programme":"参观","location":"厅机关"}"#))
            #expect(Set(try missing.problem().errors?.map(\.field) ?? []) == ["start", "durationMinutes", "capacity"])
        }
    }

    @Test("the attendee CSV has a BOM, full phones for the office and neutralised formulas")
    func attendeeCSV() async throws {
        let day = try await OpenDayHTTP()
        try await day.server.test { client in
            let hostile = try await client.postJSON(
                day.registrations, #"{"name":"=cmd|' /C calc'!A0","phone":"13900000009","email":"a@example.cn","partySize":2}"#)
            #expect(hostile.status == .created)
            let code = try JSONDecoder.iso.decode(VisitorRegistrationBody.self, from: Data(buffer: hostile.body)).code
            let organiser = try await client.logIn("organiser")
            let csv = try await client.execute(
                uri: "/api/v1/events/\(day.id)/attendees?format=csv", method: .get, headers: organiser.headers())
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"open-day-\(day.id)-attendees.csv\"")
            let bytes = Array(Data(buffer: csv.body))
            #expect(bytes.prefix(3) == [0xEF, 0xBB, 0xBF])
            let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            let lines = text.components(separatedBy: "\r\n")
            #expect(lines[0] == "确认码,姓名,手机号,电子邮箱,人数,状态,候补位次,报名时间,递补时间,签到时间,取消时间")
            #expect(
                lines[1].hasPrefix(
                    "\(ConfirmationCode(code)!.description),'=cmd|' /C calc'!A0,13900000009,a@example.cn,2,已报名,,2026-11-18 19:06,"))
            let english = try await client.execute(
                uri: "/staff/events/\(day.id)/attendees.csv?lang=en", method: .get, headers: organiser.headers())
            #expect(String(buffer: english.body).dropFirst().hasPrefix("Code,Name,Phone,E-mail,Party size,Status"))
            let clerk = try await client.logIn("clerk")
            #expect(
                try await client.execute(uri: "/staff/events/\(day.id)/attendees.csv", method: .get, headers: clerk.headers()).status
                    == .forbidden)
        }
    }
}
