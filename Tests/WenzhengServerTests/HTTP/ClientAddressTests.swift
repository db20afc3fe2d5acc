import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// The client address behind a reverse proxy (`--trusted-proxy`), over real
/// sockets: the test client's peer address is 127.0.0.1, the "proxy".
@Suite("Client address behind a trusted proxy")
struct ClientAddressHTTPTests {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    func letter(_ client: any TestClientProtocol, from address: String?, subject: String) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let address { headers[Self.forwardedFor] = address }
        return try await client.postJSON("/api/v1/letters", CitizenMailbox.letterJSON(subject: subject), headers: headers)
    }

    @Test("behind a trusted proxy one citizen's rate limit is not everyone's")
    func rateLimitsKeyOnTheForwardedClient() async throws {
        let proxies = [try IPNetwork(parsing: "127.0.0.0/8")]
        let server = try await TestServer { $0.trustedProxies = proxies }
        try await server.testLive { client async throws in
            // Letters are limited to 20 per address in 10 minutes.
            for index in 0..<20 {
                #expect(try await letter(client, from: "203.0.113.1", subject: "来信 \(index)").status == .created)
            }
            #expect(try await letter(client, from: "203.0.113.1", subject: "再来一封").status == .tooManyRequests)
            // A client's own header is on the left and never read.
            #expect(try await letter(client, from: "203.0.113.2, 203.0.113.1", subject: "冒充").status == .tooManyRequests)
            // Another citizen behind the same proxy is not affected.
            #expect(try await letter(client, from: "203.0.113.2", subject: "另一位").status == .created)
            // Without the header the proxy itself is the client.
            #expect(try await letter(client, from: nil, subject: "代理本身").status == .created)
        }
        let addresses = try await server.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT client_address FROM letter ORDER BY client_address")
        }
        #expect(addresses == ["127.0.0.1", "203.0.113.1", "203.0.113.2"])
    }

    @Test("without --trusted-proxy the forwarding headers are ignored")
    func headersAreIgnoredByDefault() async throws {
        let server = try await TestServer()
        try await server.testLive { client async throws in
            for index in 0..<20 {
                _ = try await letter(client, from: "203.0.113.\(index + 1)", subject: "来信 \(index)")
            }
            #expect(try await letter(client, from: "198.51.100.1", subject: "换个头").status == .tooManyRequests)
        }
        let addresses = try await server.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT client_address FROM letter")
        }
        #expect(addresses == ["127.0.0.1"])
    }

    @Test("staff sign-in, its session and its audit line record the forwarded client")
    func auditRecordsTheForwardedClient() async throws {
        let proxies = [try IPNetwork(parsing: "127.0.0.1"), try IPNetwork(parsing: "10.0.0.0/8")]
        let server = try await TestServer { $0.trustedProxies = proxies }
        try await server.addStaff("chen", role: .moderator)
        try await server.testLive { client async throws in
            let response = try await client.postJSON(
                "/api/v1/session", #"{"username":"chen","password":"password-12345"}"#,
                headers: [HTTPField.Name("Forwarded")!: #"for="[2001:DB8::7]:51000";proto=https, for=10.1.2.3"#])
            #expect(response.status == .ok)
            // Staff actions the store audits carry the address too.
            try await server.addStaff("host", role: .host)
            let host = try await client.logIn("host")
            var headers = host.headers(csrf: true, json: true)
            headers[Self.forwardedFor] = "198.51.100.23"
            let created = try await client.execute(
                uri: "/api/v1/interviews", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"title":"普法访谈","summary":"","scheduledStart":"2026-12-01T02:00:00Z","plannedMinutes":60}"#))
            #expect(created.status == .created, "\(created.text)")
        }
        let create = try #require(try await server.database.audit.auditEntries().first { $0.action == "interview.create" })
        #expect(create.clientAddress == "198.51.100.23")
        let login = try #require(try await server.database.audit.auditEntries().first { $0.action == "session.login" && $0.subjectId == "chen" })
        #expect(login.clientAddress == "2001:db8::7")
        let sessionAddress = try await server.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT client_address FROM staff_session ORDER BY id LIMIT 1")
        }
        #expect(sessionAddress == "2001:db8::7")
    }
}
