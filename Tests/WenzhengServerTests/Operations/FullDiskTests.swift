import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// A full disk, as SQLite reports it: `max_page_count` on the one writer
/// connection makes the next page the file needs fail with SQLITE_FULL,
/// the code the unix VFS also gives for ENOSPC. (Tests/interop's
/// test_full_disk.py fills a real tmpfs under a running server.)
@Suite("Full disk")
struct FullDiskTests {
    /// Caps the database at the pages it has now, or lifts the cap.
    static func capDatabase(_ database: AppDatabase, lifted: Bool = false) async throws {
        try await database.writer.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(lifted ? 1_073_741_823 : pages)")
        }
    }

    @Test("writes are refused with 503 and Retry-After, reads go on, nothing half-written stays, and writes resume once space is back")
    func writesRefusedReadsServed() async throws {
        let server = try await TestServer { $0.letterLimitPerAddress = RateLimitPolicy(limit: 100_000, window: 60) }
        try await server.test { client in
            let citizen = CitizenMailbox(client: client)
            let first = try await citizen.submit()
            try await Self.capDatabase(server.database)

            // Fill what room the last pages had, until a write is refused.
            var accepted = [first.number]
            var refusal: TestResponse?
            for index in 0..<2_000 {
                let body = String(repeating: "路灯坏了，请修理。", count: 40) + "\(index)"
                let response = try await client.postJSON("/api/v1/letters", CitizenMailbox.letterJSON(body: body))
                if response.status == .created {
                    accepted.append(try JSONDecoder().decode(ReceiptBody.self, from: Data(buffer: response.body)).number)
                    continue
                }
                refusal = response
                break
            }
            let refused = try #require(refusal, "the capped database took 2,000 letters")
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "60")
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(refused.text.contains("nothing was saved"))
            #expect(!refused.text.lowercased().contains("sqlite"), "\(refused.text)")

            // A citizen's plain form gets a readable page with the same
            // status (once the pages' last free slots are used up too).
            var page: TestResponse?
            var formLetters = 0
            for index in 0..<2_000 {
                formLetters = index
                var fields = CitizenMailbox.goodLetter
                fields[2] = ("body", String(repeating: "路灯坏了，请修理。", count: 40) + "表单\(index)")
                let response = try await citizen.submitForm(fields)
                guard response.status == .serviceUnavailable else {
                    #expect(response.status == .seeOther || response.status == .created || response.status == .ok, "\(response.status)")
                    continue
                }
                page = response
                break
            }
            let refusedPage = try #require(page, "the capped database took 2,000 form letters")
            #expect(refusedPage.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(refusedPage.text.contains("它没有被保存"))
            #expect(refusedPage.headers[.retryAfter] == "60")

            // Reads still work: readiness, the public pages, the letters.
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/letters", method: .get).status == .ok)
            #expect(try await citizen.query(first.number, first.password ?? "").status == .ok)

            // Nothing of a refused letter is in the file; every accepted one is.
            let stored = try await server.database.mailbox.letters()
            #expect(Set(accepted).isSubset(of: Set(stored.map(\.number))))
            #expect(!stored.contains { $0.body.hasSuffix("表单\(formLetters)") }, "the refused form letter")
            let integrity = try await server.database.writer.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            #expect(integrity == ["ok"])

            // Space is back: the same request succeeds.
            try await Self.capDatabase(server.database, lifted: true)
            _ = try await citizen.submit()
            #expect(try await server.database.mailbox.letters().count == stored.count + 1)
        }
    }

    @Test("a question refused for a full disk fails alone in its group commit, and the next one is stored")
    func groupCommitSurvivesAFullDisk() async throws {
        let server = try await TestServer {
            $0.questionLimitPerAddress = RateLimitPolicy(limit: 100_000, window: 60)
            $0.questionLimitPerBrowser = RateLimitPolicy(limit: 100_000, window: 60)
        }
        let (interview, _) = try await ViewerEngineTests.liveInterview(server)
        try await server.test { client in
            try await Self.capDatabase(server.database)
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<2_000 {
                let text = String(repeating: "请问法律援助的条件是什么？", count: 20) + "\(index)"
                let response = try await client.postJSON(
                    "/api/v1/interviews/\(interview)/questions", #"{"text":"\#(text)","nickname":"市民"}"#)
                statuses.append(response.status)
                if response.status != .created { break }
            }
            #expect(statuses.last == .serviceUnavailable, "\(statuses.suffix(3))")
            try await Self.capDatabase(server.database, lifted: true)
            let after = try await client.postJSON(
                "/api/v1/interviews/\(interview)/questions", #"{"text":"空间恢复之后的问题","nickname":"市民"}"#)
            #expect(after.status == .created, "\(after.text)")
        }
    }

    @Test("refused writes are logged at the first and then once a minute, with the count")
    func refusalsAreReportedOncePerInterval() {
        let report = RateLimitedReport(interval: .seconds(60))
        let start = ContinuousClock.now
        #expect(report.due(now: start) == 1)
        for second in [1, 30, 59] { #expect(report.due(now: start + .seconds(second)) == nil) }
        #expect(report.due(now: start + .seconds(61)) == 4)
        #expect(report.due(now: start + .seconds(62)) == nil)
    }

    @Test("a letter refused for a full disk does not use up the sender's allowance")
    func refusedLettersDoNotCount() async throws {
        let server = try await TestServer { $0.letterLimitPerAddress = RateLimitPolicy(limit: 2, window: 600) }
        try await server.test { client in
            try await Self.capDatabase(server.database)
            // 4,000 characters (12 KB): more than any free room in a page.
            let long = CitizenMailbox.letterJSON(body: String(repeating: "路灯坏了", count: 1_000))
            for _ in 0..<3 {
                let refused = try await client.postJSON("/api/v1/letters", long)
                #expect(refused.status == .serviceUnavailable, "\(refused.text)")
            }
            try await Self.capDatabase(server.database, lifted: true)
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 { statuses.append(try await client.postJSON("/api/v1/letters", long).status) }
            #expect(statuses == [.created, .created, .tooManyRequests])
        }
    }
}
