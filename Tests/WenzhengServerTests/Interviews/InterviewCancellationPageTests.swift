import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// A cancelled interview (`wenzheng events cancel interview:ID`) on the
/// public pages: marked with its reason where it was announced, taking no
/// questions, and never shown when it was cancelled before its
/// announcement.
@Suite("Cancelled interviews on the public pages")
struct InterviewCancellationPageTests {
    @Test("the page and the list show the status and the reason; questions are refused with 409; unannounced ones stay hidden")
    func cancelledInterview() async throws {
        let server = try await TestServer()
        let cli = AuditActor.commandLine(osUser: "test")
        let now = server.clock.now()
        func draft(_ title: String) -> InterviewDraft {
            InterviewDraft(
                title: title, summary: "", scheduledStart: now.addingTimeInterval(10 * 86_400), plannedMinutes: 60, hostUsername: nil,
                guests: [InterviewGuest(name: "张明", title: "副厅长", department: "江苏省司法厅")])
        }
        try await server.addStaff("host", role: .host)
        let announced = try await server.database.interviews.scheduleInterview(draft("已预告的访谈"), actor: cli, at: now)
        let quiet = try await server.database.interviews.scheduleInterview(draft("未预告的访谈"), actor: cli, at: now)
        _ = try await server.database.interviews.cancelInterview(id: quiet.id, reason: "计划调整", actor: cli, at: now)

        try await server.test { client in
            // The host announces it (opens it for questions), then it is called off.
            let host = try await client.logIn("host")
            let opened = try await client.postJSON(
                "/api/v1/interviews/\(announced.id)/status", #"{"status":"open"}"#, headers: host.headers(csrf: true))
            #expect(opened.status == .ok)
            _ = try await server.database.interviews.cancelInterview(id: announced.id, reason: "嘉宾临时公务", actor: cli, at: now)

            let page = try await client.execute(uri: "/interviews/\(announced.id)", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"data-testid="interview-status">已取消<"#))
            #expect(page.text.contains(#"data-testid="interview-cancelled">本次访谈已取消。原因：嘉宾临时公务<"#))
            #expect(!page.text.contains(#"data-testid="ask-form""#))
            let english = try await client.execute(uri: "/interviews/\(announced.id)?lang=en", method: .get)
            #expect(english.text.contains("This interview is cancelled. Reason: 嘉宾临时公务"))
            #expect(english.text.contains(#"data-testid="interview-status">Cancelled<"#))

            let list = try await client.execute(uri: "/interviews", method: .get)
            #expect(list.text.contains("已预告的访谈") && list.text.contains(#"status-cancelled">已取消"#))
            #expect(!list.text.contains("未预告的访谈"))

            let asked = try await client.postJSON("/api/v1/interviews/\(announced.id)/questions", #"{"text":"还办吗？"}"#)
            #expect(asked.status == .conflict)
            let form = try await client.postForm("/interviews/\(announced.id)/questions", "text=还办吗")
            #expect(form.status == .conflict)

            #expect(try await client.execute(uri: "/interviews/\(quiet.id)", method: .get).status == .notFound)
            let api = try await client.execute(uri: "/api/v1/interviews/\(announced.id)", method: .get)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: api.body)) as? [String: Any]
            #expect(json?["status"] as? String == "cancelled" && json?["cancellationReason"] as? String == "嘉宾临时公务")
        }
    }
}
