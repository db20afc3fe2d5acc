import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore

@testable import WenzhengServer
@testable import WenzhengStore

/// The year's plan on the office dashboard (admins, handlers, reviewers)
/// and on the organisers' interview list (admins, hosts): the report of
/// `wenzheng plan check` for the current year, translated.
@Suite("The annual plan panel")
struct AnnualPlanPanelTests {
    /// Beijing time, 2026 (the test clock stands at 2026-11-18).
    static func at(_ text: String) throws -> Date { try OfficeTimeText.parse(text) }

    /// Interviews planned from the start of 2026, each announced a week
    /// ahead, and an open day.
    static func plan(_ server: TestServer, interviews: [String], openDay: String?) async throws {
        let cli = AuditActor.commandLine(osUser: "test")
        let january = try at("2026-01-02T09:00")
        var organiser = try await server.database.accounts.staffUsers().first { $0.username == "organiser" }
        if organiser == nil { organiser = try await server.addStaff("organiser", role: .admin) }
        let admin = AuthenticatedStaff(
            userID: organiser!.id, username: "organiser", displayName: "Organiser", role: .admin, departmentID: 1, department: "办公室",
            csrfToken: "c", sessionExpiresAt: .distantFuture)
        for start in interviews {
            let date = try at(start)
            let interview = try await server.database.interviews.scheduleInterview(
                InterviewDraft(
                    title: "访谈 \(start.prefix(10))", summary: "", scheduledStart: date, plannedMinutes: 90, hostUsername: nil, guests: []),
                actor: cli, at: january)
            _ = try await server.database.interviews.changeInterviewStatus(
                id: interview.id, to: .open, actor: admin, at: date.addingTimeInterval(-7 * 86_400))
        }
        if let openDay {
            let openDay = try OpenDay.scheduled(
                title: "司法行政开放日", programme: "参观", location: "南京市北京西路28号", start: try at(openDay), durationMinutes: 150,
                capacity: 50, now: january)
            _ = try await server.database.events.scheduleOpenDay(openDay, actor: cli, at: january)
        }
    }

    @Test(
        "three interviews and no open day: not met, the failures, the empty quarter; then a fourth on a holiday and an open day: met, with the holiday warned"
    )
    func dashboard() async throws {
        let server = try await TestServer()
        try await Self.plan(server, interviews: ["2026-03-17T09:30", "2026-05-19T09:30", "2026-08-18T09:30"], openDay: nil)
        try await server.addStaff("clerk", role: .handler)
        try await server.prepare { client in
            let clerk = try await client.logIn("clerk")
            let page = try await client.execute(uri: "/office/dashboard", method: .get, headers: clerk.headers())
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains(#"data-testid="plan-panel" data-passes="false""#))
            #expect(html.contains("2026 年访谈与开放日计划"))
            #expect(html.contains(#"data-testid="plan-verdict">年度目标尚未达到。<"#))
            #expect(html.contains(#"data-testid="plan-target-interviews" data-met="false">在线访谈：已安排 3 · 至少 4 "#))
            #expect(html.contains(#"data-testid="plan-target-open-days" data-met="false">开放日：已安排 0 · 至少 1 "#))
            #expect(html.contains(#"<li class="error" data-kind="too_few_interviews">2026 年已安排 3 场在线访谈，至少需要 4 场。</li>"#))
            #expect(html.contains(#"data-kind="too_few_open_days">2026 年已安排 0 场开放日，至少需要 1 场。"#))
            #expect(html.contains(#"<li data-kind="quarter_without_interview">第四季度没有安排在线访谈。</li>"#))
            #expect(html.components(separatedBy: #"data-testid="plan-empty-quarter""#).count == 2)
            #expect(html.contains("wenzheng plan check --year 2026"))
        }

        try await Self.plan(server, interviews: ["2026-10-01T10:00"], openDay: "2026-06-16T09:30")
        try await server.test { client in
            let clerk = try await client.logIn("clerk")
            let html = try await client.execute(uri: "/office/dashboard", method: .get, headers: clerk.headers()).text
            #expect(html.contains(#"data-testid="plan-panel" data-passes="true""#))
            #expect(html.contains(#"data-testid="plan-verdict">年度目标已达到。<"#))
            #expect(html.contains(#"data-met="true">在线访谈：已安排 4 · 至少 4 <span class="tag">达标</span>"#))
            #expect(!html.contains(#"data-testid="plan-failures""#) && !html.contains(#"data-testid="plan-empty-quarter""#))
            #expect(html.contains(#"<li data-kind="non_working_day">访谈“访谈 2026-10-01”定于 2026-10-01，当天是非工作日（国庆节）。</li>"#))

            let english = try await client.execute(uri: "/office/dashboard?lang=en", method: .get, headers: clerk.headers()).text
            #expect(english.contains("Plan of interviews and open days, 2026"))
            #expect(english.contains("The year&#39;s targets are met.") || english.contains("The year&#x27;s targets are met."))
            #expect(english.contains("Interview “访谈 2026-10-01” on 2026-10-01 falls on a non-working day (国庆节)."))
        }
    }

    @Test("hosts and admins see it on the interview list; guests and moderators do not; the targets are the configuration's")
    func interviewList() async throws {
        let server = try await TestServer { $0.planTargets = PlanTargets(interviews: 1, openDays: 0, minimumNoticeDays: 3) }
        try await Self.plan(server, interviews: ["2026-12-15T09:30"], openDay: nil)
        try await server.addStaff("host", role: .host)
        try await server.addStaff("guest", role: .guest)
        try await server.addStaff("mod", role: .moderator)
        try await server.test { client in
            let host = try await client.logIn("host")
            let list = try await client.execute(uri: "/staff/interviews", method: .get, headers: host.headers()).text
            #expect(list.contains(#"data-testid="plan-panel" data-passes="true""#))
            #expect(list.contains(#"在线访谈：已安排 1 · 至少 1 "#) && list.contains(#"开放日：已安排 0 · 至少 0 "#))
            // Q1 to Q3 are empty, which is warned about, not failed.
            #expect(list.components(separatedBy: #"data-kind="quarter_without_interview""#).count == 4)
            for role in ["guest", "mod"] {
                let staff = try await client.logIn(role)
                let page = try await client.execute(uri: "/staff/interviews", method: .get, headers: staff.headers())
                #expect(page.status == .ok && !page.text.contains(#"data-testid="plan-panel""#), "\(role)")
            }
        }
    }
}
