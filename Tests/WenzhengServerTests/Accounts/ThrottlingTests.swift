import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// Lockout must not be a denial-of-service tool: wrong passwords slow down
/// the address that sends them, never the account's or letter's owner
/// elsewhere, and citizens' letter queries never slow staff sign-in.
@Suite("Sign-in and letter-query throttling")
struct ThrottlingTests {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// A server behind a trusted proxy on 127.0.0.1, so tests can speak from
    /// many client addresses over one real socket.
    static func behindProxy() async throws -> TestServer {
        let proxy = try IPNetwork(parsing: "127.0.0.1")
        return try await TestServer { $0.trustedProxies = [proxy] }
    }

    func signIn(_ client: any TestClientProtocol, _ password: String, from address: String) async throws -> TestResponse {
        try await client.postJSON(
            "/api/v1/session", #"{"username":"chen","password":"\#(password)"}"#, headers: [Self.forwardedFor: address])
    }

    @Test("an attacker's wrong passwords do not lock the staff member out, and the attacker's waits double")
    func wrongPasswordsDoNotLockTheOwnerOut() async throws {
        let server = try await Self.behindProxy()
        try await server.addStaff("chen", role: .moderator)
        try await server.testLive { client async throws in
            for _ in 0..<5 {
                #expect(try await signIn(client, "wrong-wrong", from: "203.0.113.66").status == .unauthorized)
            }
            let first = try await signIn(client, "wrong-wrong", from: "203.0.113.66")
            #expect(first.status == .tooManyRequests)
            #expect(first.headers[.retryAfter] == "30")
            // The owner, at the office, signs in at once.
            #expect(try await signIn(client, "password-12345", from: "10.8.0.12").status == .ok)
            // The attacker's next failure doubles its wait; hammering during
            // the wait is not counted and does not lengthen it.
            server.clock.advance(by: 30)
            #expect(try await signIn(client, "wrong-wrong", from: "203.0.113.66").status == .unauthorized)
            for _ in 0..<3 { _ = try await signIn(client, "wrong-wrong", from: "203.0.113.66") }
            #expect(try await signIn(client, "wrong-wrong", from: "203.0.113.66").headers[.retryAfter] == "60")
            #expect(try await signIn(client, "password-12345", from: "10.8.0.13").status == .ok)
        }
    }

    @Test("a wrong letter number and password pair does not lock the letter's owner out")
    func wrongLetterPairsDoNotLockTheOwnerOut() async throws {
        let server = try await Self.behindProxy()
        try await server.testLive { client async throws in
            let mailbox = CitizenMailbox(client: client)
            let receipt = try await mailbox.submit()
            func query(_ password: String, from address: String) async throws -> TestResponse {
                try await client.postJSON(
                    "/api/v1/letters/query", #"{"number":"\#(receipt.number)","password":"\#(password)"}"#,
                    headers: [Self.forwardedFor: address])
            }
            for _ in 0..<10 { _ = try await query("WRONGPW2", from: "203.0.113.66") }
            #expect(try await query("WRONGPW2", from: "203.0.113.66").status == .tooManyRequests)
            #expect(try await query(receipt.password!, from: "198.51.100.8").status == .ok)
        }
    }

    @Test("citizens' wrong letter passwords do not slow staff sign-in from the same address, nor the reverse")
    func letterQueriesAndStaffSignInAreCountedApart() async throws {
        let server = try await TestServer()
        try await server.addStaff("chen", role: .moderator)
        try await server.test { client in
            let mailbox = CitizenMailbox(client: client)
            let receipt = try await mailbox.submit()
            // More wrong letter passwords than staff sign-in allows per address.
            for index in 0..<25 {
                #expect(try await mailbox.query(String(format: "2026-%06d", 900 + index), "WRONGPW2").status == .unauthorized)
            }
            let staff = try await client.postJSON("/api/v1/session", #"{"username":"chen","password":"password-12345"}"#)
            #expect(staff.status == .ok)
            // And staff typos do not stop citizens at that address.
            for index in 0..<25 {
                _ = try await client.postJSON("/api/v1/session", #"{"username":"user\#(index)","password":"wrong-wrong"}"#)
            }
            #expect(try await mailbox.query(receipt.number, receipt.password!).status == .ok)
        }
    }
}
