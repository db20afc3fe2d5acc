import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// Interview forms refused for a reason the reader can fix show their page
/// again with why, at the refusal's status (`FormSubmission`).
@Suite("Interview forms")
struct InterviewFormTests {
    /// An open interview run by `host`, with one question still pending.
    func openInterview(_ server: TestServer, _ client: any TestClientProtocol) async throws -> (InterviewDriver, Int64, Int64) {
        try await server.addStaff("host", role: .host)
        let (host, id) = try await InterviewDriver.signInAndCreate(client)
        #expect(try await host.status(id, "open").status == .ok)
        let asked = try await host.ask(id, "还在审核的问题")
        return (host, id, try JSONDecoder.iso.decode(IDBody.self, from: Data(buffer: asked.body)).id)
    }

    func form(_ client: any TestClientProtocol, _ path: String, _ fields: [(String, String)], as staff: StaffCredentials? = nil)
        async throws
        -> TestResponse
    {
        let csrf = staff.map { [("_csrf", $0.csrfToken)] } ?? []
        return try await client.postForm(path, CitizenMailbox.form(csrf + fields), headers: staff.map { [.cookie: $0.cookie] } ?? [:])
    }

    @Test("a refused question keeps what was typed and says why; a refused vote says why beside the questions")
    func citizensForms() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let (host, id, pending) = try await openInterview(server, client)
            let long = try await form(
                client, "/interviews/\(id)/questions", [("text", String(repeating: "问", count: 501)), ("nickname", "老王")])
            #expect(long.status == .unprocessableContent)
            #expect(long.text.contains(#"data-testid="ask-error""#) && long.text.contains("问题内容不能超过 500 字"))
            #expect(long.text.contains(#"value="老王""#))
            // Only approved questions take votes: the page comes back with why.
            let vote = try await client.postForm("/interviews/\(id)/questions/\(pending)/vote", "", headers: try await host.browser(id))
            #expect(vote.status == .conflict)
            #expect(vote.text.contains(#"data-testid="vote-error""#) && vote.text.contains(#"data-testid="ask-form""#))
        }
    }

    @Test("a refused new interview keeps what was typed and lists what to fix")
    func createForm() async throws {
        let server = try await TestServer()
        try await server.test { client in
            try await server.addStaff("host", role: .host)
            let host = try await client.logIn("host")
            let refused = try await form(
                client, "/staff/interviews", [("title", "我的访谈"), ("start", "soon"), ("guestName", "李局长")], as: host)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains(#"data-testid="create-errors""#) && refused.text.contains("请填写开始的日期和时间。"))
            #expect(refused.text.contains(#"value="我的访谈""#) && refused.text.contains(#"value="李局长""#))
            let created = try await form(
                client, "/staff/interviews", [("title", "我的访谈"), ("start", "2026-12-03T10:00"), ("minutes", "60")], as: host)
            #expect(created.status == .seeOther)
        }
    }

    @Test("a refused console form shows the console again with why; an answer refused on the deferred list shows that list")
    func staffForms() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let (host, id, _) = try await openInterview(server, client)
            #expect(try await host.status(id, "live").status == .ok)
            let backwards = try await form(client, "/staff/interviews/\(id)/status", [("status", "open")], as: host.staff)
            #expect(backwards.status == .conflict)
            #expect(backwards.text.contains(#"data-testid="console-error""#) && backwards.text.contains("cannot go from live to open"))
            let empty = try await form(
                client, "/staff/interviews/\(id)/entries", [("kind", "remark"), ("body", " "), ("returnTo", "/staff/interviews/deferred")],
                as: host.staff)
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains(#"data-testid="deferred-error""#))
            let fromConsole = try await form(
                client, "/staff/interviews/\(id)/entries", [("kind", "remark"), ("body", " ")], as: host.staff)
            #expect(fromConsole.status == .unprocessableContent && fromConsole.text.contains(#"data-testid="console-error""#))
            #expect(fromConsole.text.contains("请填写内容。"))
        }
    }
}
