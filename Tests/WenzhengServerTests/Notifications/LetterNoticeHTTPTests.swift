import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WenzhengCore

@testable import WenzhengServer
@testable import WenzhengStore

/// Letter notices through the whole application: the requests that write
/// them answer without the mail server, and the digest service makes each
/// department's digest once a day at its time.
@Suite("Letter notices over HTTP", .timeLimit(.minutes(3)))
struct LetterNoticeHTTPTests {
    static func setAddresses(_ database: AppDatabase) async throws {
        for (name, email) in [("办公室", "bgs@sft.example.cn"), ("城建处", "cjc@sft.example.cn")] {
            try await database.accounts.setDepartmentNoticeAddress(
                department: name, email: email, actor: .commandLine(osUser: "test"), at: testStart)
        }
    }

    static func outbox(_ database: AppDatabase) async throws -> [OutboxMessage] {
        try await database.reader.read { db in try OutboxMessage.order(Column("id")).fetchAll(db) }
    }

    @Test("submit, assign and reply answer while the mail server takes the sender's connection and never replies")
    func requestsDoNotWaitForTheMailServer() async throws {
        var script = FakeSMTPServer.Script()
        script.silentOn = "EHLO"
        let smtp = try await FakeSMTPServer.start(script)
        let server = try await TestServer { configuration in
            var settings = SMTPSettings(
                host: "127.0.0.1", port: smtp.port, security: .plain, from: MailAddress("noreply@sft.example.cn")!,
                heloName: "wenzheng.test")
            // Far longer than the test: the sender stays stuck on EHLO.
            settings.replyTimeout = .seconds(600)
            configuration.notifications.smtp = settings
            configuration.notifications.interval = .milliseconds(50)
            configuration.letterDigest = nil
        }
        try await server.officeStaff()
        try await Self.setAddresses(server.database)
        // One notice due before the start, so the sender connects at once.
        _ = try await server.officeLetter()
        let database = server.database

        try await server.testLive { client in
            var stuck = false
            for _ in 0..<600 where !stuck {
                try await Task.sleep(for: .milliseconds(50))
                stuck = smtp.commands.contains { $0.hasPrefix("EHLO") }
            }
            #expect(stuck, "the sender never reached the mail server")

            let submitted = try await client.postJSON("/api/v1/letters", CitizenMailbox.letterJSON())
            #expect(submitted.status == .created, "\(submitted.text)")
            let number = try JSONDecoder().decode(ReceiptBody.self, from: Data(buffer: submitted.body)).number
            let letter = try #require(try await database.mailbox.letterForQuery(number: number)).0

            let clerk = OfficeClient(client: client, staff: try await client.logIn("clerk"))
            let city = OfficeClient(client: client, staff: try await client.logIn("city"))
            let leader = OfficeClient(client: client, staff: try await client.logIn("leader"))
            #expect(try await clerk.act(letter.id, "accept", nil).status == .ok)
            let cityID = try await clerk.departmentID("城建处")
            #expect(try await clerk.act(letter.id, "assign", #"{"lead":\#(cityID)}"#).status == .ok)
            #expect(try await city.act(letter.id, "draft", #"{"body":"请携带身份证到窗口办理。"}"#).status == .ok)
            #expect(try await leader.act(letter.id, "sign-off", #"{"comment":"同意"}"#).status == .ok)

            // Every notice is written, none sent: the sender still waits on EHLO.
            let notices = try await Self.outbox(database).filter { $0.subjectId == String(letter.id) }
            #expect(notices.map(\.kind) == ["letter.received", "letter.assigned", "letter.replied"])
            #expect(notices.map(\.recipient) == ["bgs@sft.example.cn", "cjc@sft.example.cn", "li@example.cn"])
            #expect(notices.allSatisfy { $0.sentAt == nil })
            #expect(smtp.mails.isEmpty)
            let replied = try #require(notices.last)
            #expect(replied.body.contains(number) && replied.body.contains("/letters/query?number=\(number)"))
            #expect(!replied.body.contains("身份证"))
            // Let the application stop without waiting out the reply timeout.
            await smtp.stop()
        }
    }

    @Test("an admin sets and removes a department's notice address through the API; bad input is a problem naming the field")
    func noticeAddressesAPI() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.test { client in
            let boss = OfficeClient(client: client, staff: try await client.logIn("boss"))
            let cityID = try await boss.departmentID("城建处")
            let set = try await boss.json(.put, "/api/v1/office/notice-addresses", #"{"departmentId":\#(cityID),"email":" cjc@sft.example.cn "}"#)
            #expect(set.status == .ok, "\(set.text)")
            let listed = try OfficeJSONBody.decode(NoticeAddressesBody.self, try await boss.json(.get, "/api/v1/office/notice-addresses"))
            #expect(listed.departments.first { $0.id == cityID }?.email == "cjc@sft.example.cn")
            #expect(listed.departments.filter { $0.id != cityID }.allSatisfy { $0.email == nil })

            for (body, field) in [
                (#"{"departmentId":\#(cityID),"email":"cjc at sft"}"#, "email"),
                (#"{"departmentId":\#(cityID),"email":"a@b.cn\r\nRCPT TO:<x@y.cn>"}"#, "email"),
                (#"{"departmentId":999999,"email":"a@b.cn"}"#, "departmentId"),
                (#"{"email":"a@b.cn"}"#, "departmentId"),
            ] {
                let refused = try await boss.json(.put, "/api/v1/office/notice-addresses", body)
                #expect(refused.status == .unprocessableContent, "\(body): \(refused.text)")
                #expect(try refused.problem().errors?.map(\.field) == [field], "\(body)")
            }
            let removed = try await boss.json(.put, "/api/v1/office/notice-addresses", #"{"departmentId":\#(cityID),"email":null}"#)
            #expect(removed.status == .ok)
            #expect(try OfficeJSONBody.decode(NoticeAddressesBody.self, removed).departments.allSatisfy { $0.email == nil })
            let city = OfficeClient(client: client, staff: try await client.logIn("city"))
            #expect(try await city.json(.get, "/api/v1/office/notice-addresses").status == .forbidden)
        }
    }

    @Test("the digest service makes the day's digest once, from its time, on working days, and after a restart makes none again")
    func digestService() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await Self.setAddresses(server.database)
        // A consultation (5 working days) received Monday 2026-11-16 is due Monday the 23rd.
        server.clock.set(officeInstant("2026-11-16 09:00"))
        let letter = try await server.officeLetter(.consultation)
        let cityID = try #require(try await server.database.accounts.department(named: "城建处")).id
        let clerk = try #require(try await server.database.accounts.staffUsers().first { $0.username == "clerk" })
        let actor = AuthenticatedStaff(
            userID: clerk.id, username: "clerk", displayName: "clerk", role: .handler,
            departmentID: try #require(try await server.database.accounts.department(named: "办公室")).id, department: "办公室",
            csrfToken: "x", sessionExpiresAt: .distantFuture)
        _ = try await server.database.mailbox.acceptLetter(id: letter.id, actor: actor, at: server.clock.now())
        _ = try await server.database.mailbox.assignLetter(id: letter.id, lead: cityID, actor: actor, at: server.clock.now())

        var logger = Logger(label: "digest-test")
        logger.logLevel = .warning
        func service() -> LetterDigestService {
            LetterDigestService(database: server.database, schedule: LetterDigestSchedule(hour: 8, minute: 30), clock: server.clock, logger: logger)
        }
        func digests() async throws -> [OutboxMessage] { try await Self.outbox(server.database).filter { $0.kind == "letter.digest" } }

        // Thursday the 19th: the 23rd is 2 working days away. Before 08:30, nothing.
        server.clock.set(officeInstant("2026-11-19 08:29"))
        #expect(await service().check().isEmpty)
        server.clock.set(officeInstant("2026-11-19 08:30"))
        let made = await service().check()
        #expect(made.map(\.department).sorted() == ["办公室", "城建处"].sorted())
        #expect(try await digests().map(\.recipient) == ["cjc@sft.example.cn"])
        #expect(try await digests().first?.body.contains(letter.number) == true)
        // Later that day, and in a new process (a new service on the same database): nothing more.
        server.clock.set(officeInstant("2026-11-19 15:00"))
        #expect(await service().check().isEmpty)
        #expect(try await digests().count == 1)
        // Saturday: no digest.
        server.clock.set(officeInstant("2026-11-21 09:00"))
        #expect(await service().check().isEmpty)
        // Monday the 23rd, started late (the server was down at 08:30): it catches up.
        server.clock.set(officeInstant("2026-11-23 16:45"))
        #expect(await service().check().count == 2)
        #expect(try await digests().count == 2)
        try? FileManager.default.removeItem(at: server.directory)
    }
}

struct NoticeAddressesBody: Decodable { var departments: [DepartmentNoticeAddress] }
