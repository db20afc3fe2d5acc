import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
@testable import WenzhengServer
import WenzhengStore

/// Votes count only for browsers the server issued a signed key to, and
/// one address can vote only so often.
@Suite("Votes cannot be stuffed")
struct VoteTests {
    /// An open interview with one approved question: (interview, question).
    func approvedQuestion(_ server: TestServer, _ client: any TestClientProtocol) async throws -> (InterviewDriver, Int64, Int64) {
        try await server.addStaff("host", role: .host)
        try await server.addStaff("mod", role: .moderator)
        let (host, id) = try await InterviewDriver.signInAndCreate(client)
        _ = try await host.status(id, "open")
        #expect(try await host.ask(id, "法律援助怎么申请？").status == .created)
        try await client.approvePending(as: "mod")
        let questions = try JSONDecoder.iso.decode(
            QuestionsBody.self, from: Data(buffer: try await client.execute(uri: "/api/v1/interviews/\(id)/questions", method: .get).body))
        return (host, id, try #require(questions.questions.first?.id))
    }

    func vote(_ client: any TestClientProtocol, _ id: Int64, _ question: Int64, cookie: String?) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/interviews/\(id)/questions/\(question)/vote", method: .post, headers: cookie.map { [.cookie: $0] } ?? [:])
    }

    @Test("made-up and forged browser keys are not counted and get a signed key instead")
    func forgedKeysDoNotCount() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let (host, id, question) = try await approvedQuestion(server, client)
            let signed = try #require(try await host.browser(id)[.cookie])
            let value = String(signed.dropFirst("wz_browser=".count))
            let (signedID, signature) = (value.prefix(43), value.suffix(43))
            let forgeries = (0..<50).map { "wz_browser=random-browser-\($0)-\(UUID().uuidString.prefix(8))" } + [
                "wz_browser=\(signedID)",  // the id without its signature
                "wz_browser=\(SessionToken.generate()).\(signature)",  // another id with a real signature
                "wz_browser=\(signedID).\(String(repeating: "A", count: 43))",  // a wrong signature
                "wz_browser=\(signedID).\(signature)x",
            ]
            for cookie in forgeries {
                let response = try await vote(client, id, question, cookie: cookie)
                #expect(response.text.contains(#""counted":false"#), "\(cookie)")
                #expect(response.headers[.setCookie]?.hasPrefix("wz_browser=") == true)
            }
            #expect(try await vote(client, id, question, cookie: signed).text.contains(#""counted":true"#))
            #expect(try await vote(client, id, question, cookie: signed).text.contains(#""votes":1"#))
        }
        let rows = try await server.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question_vote") }
        #expect(rows == 1)
    }

    @Test("one address can vote for a question only so often, however many browser keys it collects")
    func votesAreLimitedPerAddress() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let (host, id, question) = try await approvedQuestion(server, client)
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<11 {
                let browser = try await host.browser(id)
                statuses.append(try await vote(client, id, question, cookie: browser[.cookie]).status)
            }
            #expect(statuses.filter { $0 == .ok }.count == 10)
            let refused = try #require(statuses.last)
            #expect(refused == .tooManyRequests)
            let again = try await vote(client, id, question, cookie: try await host.browser(id)[.cookie])
            #expect(try again.problem().type == "urn:wenzheng:problem:too-many-requests")
            #expect(again.headers[.retryAfter] != nil)
            // The page's vote button is held to the same limit.
            let page = try await client.postForm(
                "/interviews/\(id)/questions/\(question)/vote", "", headers: try await host.browser(id))
            #expect(page.status == .tooManyRequests)
            let votes = try JSONDecoder.iso.decode(
                QuestionsBody.self, from: Data(buffer: try await client.execute(uri: "/api/v1/interviews/\(id)/questions", method: .get).body))
            #expect(votes.questions.first?.votes == 10)
        }
    }

    @Test("the signing secret is made once, kept in the database, and survives a restart")
    func theSecretSurvivesARestart() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let (host, id, _) = try await approvedQuestion(server, client)
            let cookie = try #require(try await host.browser(id)[.cookie])
            // A second application on the same file (a restart) accepts the key.
            let restarted = Application(
                router: try await buildRouter(server.dependencies), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await restarted.test(.router) { second in
                let page = try await second.execute(uri: "/interviews/\(id)", method: .get, headers: [.cookie: cookie])
                #expect(page.status == .ok)
                #expect(page.headers[.setCookie] == nil)
            }
        }
        let secrets = try await server.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM server_secret") }
        #expect(secrets == 1)
    }
}
