import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// Open days' pages, as a browser without JavaScript uses them: the event
/// page and its form (a refused form comes back with every value and the
/// fields marked), the confirmation with its code, looking up and
/// cancelling by code, the door page, the calendar file, and hostile text
/// kept inside its attributes.
@Suite("Open days: the pages")
struct EventPagesTests {
    static func form(_ fields: [(String, String)]) -> String { CitizenMailbox.form(fields) }

    static func registration(name: String = "张三", phone: String = "139 0000 0001", email: String = "", party: String = "1") -> String {
        form([("name", name), ("phone", phone), ("email", email), ("partySize", party)])
    }

    @Test("the page shows time, place, seats and the window; registering shows the code, then the waitlist place")
    func registerThroughThePage() async throws {
        let day = try await OpenDayHTTP(capacity: 1)
        try await day.server.test { client in
            let page = try await client.execute(uri: "/events/\(day.id)", method: .get)
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("司法行政开放日"))
            #expect(html.contains("2026-11-25（周三）09:30–12:00（北京时间）"))
            #expect(html.contains("南京市北京西路28号"))
            #expect(html.contains("共 1 个名额，剩余 1 个"))
            #expect(html.contains("报名时间：2026-11-18 19:06 至 2026-11-24 09:30（北京时间）"))
            #expect(html.contains("<p>参观法律援助中心</p>") && html.contains("<p>与律师座谈</p>"))
            #expect(html.contains(#"data-testid="register-form""#))
            #expect(html.contains(#"href="/events/\#(day.id)/calendar.ics""#))

            let seated = try await client.postForm("/events/\(day.id)/registrations", Self.registration())
            #expect(seated.status == .created)
            #expect(seated.text.contains("报名成功"))
            let code = try #require(CitizenMailbox.testID("registered-code", in: seated.text))
            #expect(code.count == 9 && code.dropFirst(4).first == "-" && ConfirmationCode(code) != nil)
            #expect(seated.text.contains("已为您保留 1 个座位"))
            #expect(seated.text.contains("本页关闭后无法再次查看"))

            let waiting = try await client.postForm(
                "/events/\(day.id)/registrations", Self.registration(name: "李四", phone: "13900000002", email: "li@example.cn"))
            #expect(waiting.status == .created)
            #expect(waiting.text.contains("已进入候补名单"))
            #expect(waiting.text.contains("您在候补名单第 1 位"))
            let full = try await client.execute(uri: "/events/\(day.id)", method: .get)
            #expect(full.text.contains("共 1 个名额，已满"))
            #expect(full.text.contains("目前有 1 组访客在候补名单上。"))
            #expect(full.text.contains(#"data-testid="event-full-note""#))

            let english = try await client.execute(uri: "/events/\(day.id)?lang=en", method: .get)
            #expect(english.text.contains("Wed 2026-11-25, 09:30–12:00 (Beijing time)"))
        }
    }

    @Test("a refused form shows the page again with every value kept and the bad fields marked")
    func refusedFormKeepsValues() async throws {
        let day = try await OpenDayHTTP()
        try await day.server.test { client in
            let refused = try await client.postForm(
                "/events/\(day.id)/registrations", Self.registration(name: "王五", phone: "12345", email: "nobody", party: "3"))
            #expect(refused.status == .unprocessableContent)
            let html = refused.text
            #expect(html.contains("请修改以下内容"))
            #expect(html.contains(#"value="王五""#))
            #expect(html.contains(#"value="12345""#) && html.contains(#"value="nobody""#))
            #expect(html.contains(#"<option value="3" selected>"#))
            #expect(html.contains(#"id="reg-phone" name="phone""#))
            #expect(html.contains("请填写 11 位中国大陆手机号"))
            #expect(html.contains("电子邮箱格式不正确"))
            for field in ["phone", "email"] {
                #expect(html.contains(#"aria-describedby="reg-\#(field)-error""#), "\(field)")
            }
            #expect(!html.contains(#"aria-describedby="reg-name-error""#))
            // Nothing was stored.
            #expect(try await day.server.database.events.attendees(openDayID: day.id).isEmpty)
        }
    }

    @Test("the same phone twice: the form says so and how to cancel, without the first registration's code")
    func samePhoneOnThePage() async throws {
        let day = try await OpenDayHTTP()
        try await day.server.test { client in
            let first = try await client.postForm("/events/\(day.id)/registrations", Self.registration())
            let code = try #require(CitizenMailbox.testID("registered-code", in: first.text))
            let second = try await client.postForm(
                "/events/\(day.id)/registrations", Self.registration(name: "别人", phone: "+86 139 0000 0001", party: "2"))
            #expect(second.status == .conflict)
            #expect(second.text.contains("此手机号已报名本次开放日，不能重复报名"))
            #expect(second.text.contains(#"<a href="/events/\#(day.id)/registration" data-testid="event-errors-lookup">"#))
            #expect(second.text.contains("同一手机号只能报名一次。"))
            #expect(second.text.contains(#"value="别人""#))
            #expect(second.text.contains(#"aria-describedby="reg-phone-error""#))
            #expect(!second.text.contains(code) && !second.text.contains(code.replacingOccurrences(of: "-", with: "")))
            #expect(!second.text.contains("张三"))
        }
    }

    @Test("outside the window the page says when registration opens or closed, and shows no form")
    func windowMessages() async throws {
        let day = try await OpenDayHTTP(opens: try OfficeTimeText.parse("2026-11-20T09:00"))
        try await day.server.prepare { client in
            let page = try await client.execute(uri: "/events/\(day.id)", method: .get)
            #expect(page.text.contains("报名将于 2026-11-20 09:00（北京时间）开始，2026-11-24 09:30 截止。"))
            #expect(page.text.contains("即将开放报名"))
            #expect(!page.text.contains(#"data-testid="register-form""#))
            let early = try await client.postForm("/events/\(day.id)/registrations", Self.registration())
            #expect(early.status == .conflict)
            #expect(early.text.contains(#"data-testid="event-errors""#))
        }
        day.server.clock.set(try OfficeTimeText.parse("2026-11-24T12:00"))
        try await day.server.test { client in
            let late = try await client.postForm("/events/\(day.id)/registrations", Self.registration())
            #expect(late.status == .conflict)
            #expect(late.text.contains("报名已于 2026-11-24 09:30（北京时间）截止。"))
            #expect(!late.text.contains(#"data-testid="register-form""#))
        }
    }

    @Test("a rescheduled open day says its time changed; a cancelled one gives its reason and takes no registrations")
    func changedAndCancelled() async throws {
        let day = try await OpenDayHTTP()
        let events = day.server.database.events
        let now = day.server.clock.now()
        _ = try await events.rescheduleOpenDay(
            id: day.id, to: try OfficeTimeText.parse("2026-11-26T14:00"), durationMinutes: nil, actor: .commandLine(osUser: "test"), at: now
        )
        try await day.server.prepare { client in
            let page = try await client.execute(uri: "/events/\(day.id)", method: .get)
            #expect(page.text.contains("活动时间已调整"))
            #expect(page.text.contains("2026-11-26（周四）14:00–16:30（北京时间）"))
            #expect(try await client.openDay(day).timeChanged)
        }
        _ = try await events.cancelOpenDay(id: day.id, reason: "场馆检修<暂停>开放", actor: .commandLine(osUser: "test"), at: now)
        try await day.server.test { client in
            let page = try await client.execute(uri: "/events/\(day.id)", method: .get)
            #expect(page.text.contains("本次开放日已取消。取消原因：场馆检修&lt;暂停&gt;开放"))
            #expect(!page.text.contains(#"data-testid="register-form""#))
            #expect(!page.text.contains("活动时间已调整"))
            let refused = try await client.postJSON(day.registrations, OpenDayHTTP.registration(1))
            #expect(refused.status == .conflict)
            #expect(try refused.problem().errors?.map(\.code) == ["event_cancelled"])
            let list = try await client.execute(uri: "/events", method: .get)
            #expect(list.text.contains("已取消"))
        }
    }

    @Test("look up by code and cancel; the waitlisted visitor's lookup then shows the seat")
    func lookUpAndCancel() async throws {
        let day = try await OpenDayHTTP(capacity: 1)
        try await day.server.test { client in
            let first = try await client.register(day, 1)
            let second = try await client.register(day, 2)
            let form = try await client.execute(uri: "/events/\(day.id)/registration", method: .get)
            #expect(form.status == .ok && form.text.contains(#"data-testid="lookup-form""#))
            let found = try await client.postForm("/events/\(day.id)/registration", Self.form([("code", first.code.lowercased())]))
            #expect(found.status == .ok)
            #expect(found.text.contains("已报名（1 人）"))
            #expect(found.text.contains("访** · 139****0001"))
            #expect(found.text.contains(#"data-testid="cancel-form""#))
            let cancelled = try await client.postForm(
                "/events/\(day.id)/registration/cancel", Self.form([("code", ConfirmationCode(first.code)!.description)]))
            #expect(cancelled.status == .ok)
            #expect(cancelled.text.contains("报名已取消"))
            #expect(cancelled.text.contains("已取消（1 人）"))
            #expect(!cancelled.text.contains(#"data-testid="cancel-form""#))
            let promoted = try await client.postForm("/events/\(day.id)/registration", Self.form([("code", second.code)]))
            #expect(promoted.text.contains("已报名（1 人）"))
            #expect(promoted.text.contains("已于 2026-11-18 19:06 从候补名单递补。"))
            let wrong = try await client.postForm("/events/\(day.id)/registration", Self.form([("code", "K7QM-3XPA")]))
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains("找不到这个确认码"))
            #expect(wrong.text.contains(#"value="K7QM-3XPA""#))
        }
    }

    @Test("the lookup form is limited too, and says so")
    func lookupLimitedOnThePage() async throws {
        let day = try await OpenDayHTTP { $0.eventCodeLimit = RateLimitPolicy(limit: 1, window: 600) }
        try await day.server.test { client in
            _ = try await client.postForm("/events/\(day.id)/registration", Self.form([("code", "AAAAAAAA")]))
            let blocked = try await client.postForm("/events/\(day.id)/registration", Self.form([("code", "BBBBBBBB")]))
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.headers[.retryAfter] != nil)
            #expect(blocked.text.contains("操作过于频繁"))
        }
    }

    @Test("hostile text stays inside its attributes and elements")
    func hostileText() async throws {
        let title = "开放日\"\u{0301}><script>alert(1)</script>"
        let programme = "参观'\u{FE0F}<img src=x onerror=alert(2)>"
        let day = try await OpenDayHTTP(title: title, programme: programme)
        try await day.server.test { client in
            let page = try await client.execute(uri: "/events/\(day.id)", method: .get)
            #expect(!page.text.contains("<script>alert(1)") && !page.text.contains("<img src=x"))
            #expect(page.text.contains("开放日&quot;\u{0301}&gt;&lt;script&gt;"))
            #expect(page.text.contains("参观&#39;\u{FE0F}&lt;img"))
            let payload = "\"\u{200D}/autofocus/onfocus=alert(3)//"
            let refused = try await client.postForm(
                "/events/\(day.id)/registrations", Self.registration(name: payload, phone: "1"))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("value=\"&quot;\u{200D}/autofocus/onfocus=alert(3)//\""))
            #expect(!refused.text.unicodeScalars.split(separator: "\"").contains { $0.starts(with: "\u{200D}/autofocus".unicodeScalars) })
            // Accepted, the name is shown masked on the confirmation's lookup, escaped.
            let registered = try await client.postForm("/events/\(day.id)/registrations", Self.registration(name: payload))
            let code = try #require(CitizenMailbox.testID("registered-code", in: registered.text))
            let found = try await client.postForm("/events/\(day.id)/registration", Self.form([("code", code)]))
            #expect(found.text.contains("&quot;"))
            let organiser = try await client.logIn("organiser")
            let staff = try await client.execute(uri: "/staff/events/\(day.id)", method: .get, headers: organiser.headers())
            #expect(staff.text.contains("<td>&quot;\u{200D}/autofocus/onfocus=alert(3)//</td>"))
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.text.contains("开放日&quot;\u{0301}&gt;&lt;script&gt;"))
        }
    }

    @Test("the door page: counts, check-in by code twice, a waitlisted code refused with its place, phones masked")
    func doorPage() async throws {
        let day = try await OpenDayHTTP(capacity: 2)
        let (seated, waiting) = try await day.server.prepare { client in
            (try await client.register(day, 1, size: 2), try await client.register(day, 2))
        }
        day.server.clock.set(OpenDayHTTP.doorsOpen)
        try await day.server.test { client in
            let organiser = try await client.logIn("organiser")
            let page = try await client.execute(uri: "/staff/events/\(day.id)", method: .get, headers: organiser.headers())
            #expect(page.status == .ok)
            #expect(page.text.contains("139****0001") && !page.text.contains("13900000001"))
            #expect(page.text.contains("访客1"))
            #expect(page.text.contains("2 人（1 组）"))
            #expect(page.text.contains("autofocus"))
            #expect(!page.text.contains(#"data-testid="check-in-hours""#))
            func checkIn(_ code: String) async throws -> TestResponse {
                try await client.postForm(
                    "/staff/events/\(day.id)/check-in", Self.form([("code", code)]), headers: organiser.headers(csrf: true))
            }
            let first = try await checkIn(seated.code.lowercased())
            #expect(first.status == .ok)
            #expect(first.text.contains(#"data-kind="ok""#))
            #expect(first.text.contains("签到成功"))
            #expect(first.text.contains("访客1 · 2 人 · \(ConfirmationCode(seated.code)!.description)"))
            let again = try await checkIn(seated.code)
            #expect(again.status == .ok)
            #expect(again.text.contains(#"data-kind="again""#))
            #expect(again.text.contains("该确认码已于 2026-11-25 08:00 签到，无需重复签到"))
            let waitlisted = try await checkIn(waiting.code)
            #expect(waitlisted.status == .conflict)
            #expect(waitlisted.text.contains(#"data-kind="refused""#))
            #expect(waitlisted.text.contains("没有座位，不能入场"))
            #expect(waitlisted.text.contains("候补第 1 位（1 人）"))
            let unknown = try await checkIn("K7QM-3XPA")
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.text.contains("找不到这个确认码"))
            let list = try await client.execute(uri: "/staff/events", method: .get, headers: organiser.headers())
            #expect(list.text.contains("司法行政开放日"))
            #expect(list.text.contains("2 / 2"))
        }
    }

    @Test("check-in outside its hours says when they are")
    func checkInHours() async throws {
        let day = try await OpenDayHTTP()
        try await day.server.test { client in
            let code = try await client.register(day, 1).code
            let organiser = try await client.logIn("organiser")
            let page = try await client.execute(uri: "/staff/events/\(day.id)", method: .get, headers: organiser.headers())
            #expect(page.text.contains("签到时间：2026-11-25 00:00 至 2026-11-25 12:00"))
            let early = try await client.postForm(
                "/staff/events/\(day.id)/check-in", Self.form([("code", code)]), headers: organiser.headers(csrf: true))
            #expect(early.status == .conflict)
            #expect(early.text.contains("签到尚未开始"))
        }
    }

    @Test("marking held through the page; no-shows appear")
    func markHeldPage() async throws {
        let day = try await OpenDayHTTP()
        _ = try await day.server.prepare { client in try await client.register(day, 1) }
        day.server.clock.set(OpenDayHTTP.start.addingTimeInterval(600))
        try await day.server.test { client in
            let organiser = try await client.logIn("organiser")
            let page = try await client.execute(uri: "/staff/events/\(day.id)", method: .get, headers: organiser.headers())
            #expect(page.text.contains(#"data-testid="held-form""#))
            let held = try await client.postForm("/staff/events/\(day.id)/held", "", headers: organiser.headers(csrf: true))
            #expect(held.status == .seeOther)
            #expect(held.headers[.location] == "/staff/events/\(day.id)?notice=held")
            let after = try await client.execute(uri: "/staff/events/\(day.id)?notice=held", method: .get, headers: organiser.headers())
            #expect(after.text.contains("已标记为已举行"))
            #expect(after.text.contains(#"data-testid="count-no-show""#))
            #expect(!after.text.contains(#"data-testid="held-form""#))
        }
    }

    @Test("calling the open day off through the door page: a reason is required, then the public page shows it")
    func cancelDayPage() async throws {
        let day = try await OpenDayHTTP()
        try await day.server.test { client in
            _ = try await client.register(day, 1)
            let organiser = try await client.logIn("organiser")
            let refused = try await client.postForm(
                "/staff/events/\(day.id)/cancel", Self.form([("reason", "")]), headers: organiser.headers(csrf: true))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("请填写取消原因。"))
            #expect(refused.text.contains(#"<details open>"#))
            let cancelled = try await client.postForm(
                "/staff/events/\(day.id)/cancel", Self.form([("reason", "因天气原因取消")]), headers: organiser.headers(csrf: true))
            #expect(cancelled.status == .seeOther)
            #expect(cancelled.headers[.location] == "/staff/events/\(day.id)?notice=dayCancelled")
            let staff = try await client.execute(
                uri: "/staff/events/\(day.id)?notice=dayCancelled", method: .get, headers: organiser.headers())
            #expect(staff.text.contains("开放日已取消，已通知报名的访客。"))
            #expect(!staff.text.contains(#"data-testid="cancel-day-form""#))
            let page = try await client.execute(uri: "/events/\(day.id)", method: .get)
            #expect(page.text.contains("本次开放日已取消。取消原因：因天气原因取消"))
        }
    }

    @Test("the calendar file: one VEVENT, the same bytes for the same data, a new SEQUENCE and DTSTAMP after a change")
    func calendarFile() async throws {
        let day = try await OpenDayHTTP()
        let first = try await day.server.prepare { client in
            let response = try await client.execute(
                uri: "/events/\(day.id)/calendar.ics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/calendar; charset=utf-8")
            #expect(response.headers[.contentDisposition] == "attachment; filename=\"open-day-\(day.id).ics\"")
            let again = try await client.execute(
                uri: "/events/\(day.id)/calendar.ics", method: .get)
            #expect(again.text == response.text)
            return response.text
        }
        let properties = Self.unfold(first)
        #expect(properties.filter { $0 == "BEGIN:VEVENT" }.count == 1)
        #expect(properties.contains("UID:open-day-\(day.id)@localhost"))
        #expect(properties.contains("DTSTART:20261125T013000Z"))
        #expect(properties.contains("DTEND:20261125T040000Z"))
        #expect(properties.contains("DTSTAMP:20261118T110640Z"))
        #expect(properties.contains("SEQUENCE:0"))
        #expect(properties.contains("SUMMARY:司法行政开放日"))
        #expect(properties.contains("LOCATION:南京市北京西路28号"))
        #expect(properties.contains("URL:http://localhost/events/\(day.id)"))
        #expect(first.hasSuffix("END:VCALENDAR\r\n"))
        day.server.clock.advance(by: 3600)
        _ = try await day.server.database.events.rescheduleOpenDay(
            id: day.id, to: try OfficeTimeText.parse("2026-11-26T09:30"), durationMinutes: nil, actor: .commandLine(osUser: "test"),
            at: day.server.clock.now())
        try await day.server.test { client in
            let moved = Self.unfold(
                try await client.execute(uri: "/events/\(day.id)/calendar.ics", method: .get).text)
            #expect(moved.contains("SEQUENCE:1"))
            #expect(moved.contains("DTSTART:20261126T013000Z"))
            #expect(moved.contains("DTSTAMP:20261118T120640Z"))
            #expect(try await client.execute(uri: "/events/999/calendar.ics", method: .get).status == .notFound)
        }
    }

    /// The content lines of an iCalendar text, folded lines joined (RFC 5545 §3.1).
    static func unfold(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    @Test("the front page lists an open day taking registrations among what to take part in, and the nav links to open days")
    func homePage() async throws {
        let day = try await OpenDayHTTP()
        try await day.server.test { client in
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.text.contains(#"<a href="/events/\#(day.id)">司法行政开放日</a>"#))
            #expect(home.text.contains("开放日 · 2026-11-25（周三）09:30 · 报名 2026-11-24 09:30 截止"))
            #expect(home.text.contains(#"<a href="/events" data-testid="nav-events">开放日</a>"#))
            let list = try await client.execute(uri: "/events", method: .get)
            #expect(list.text.contains("近期开放日") && list.text.contains("共 3 个名额，剩余 3 个"))
            let organiser = try await client.logIn("organiser")
            let staffHome = try await client.execute(uri: "/", method: .get, headers: organiser.headers())
            #expect(staffHome.text.contains(#"href="/staff/events""#))
        }
    }
}
