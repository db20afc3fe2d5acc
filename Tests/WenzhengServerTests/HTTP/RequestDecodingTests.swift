import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer

/// JSON of the wrong shape is invalid input (422 naming the field by its
/// JSON path), not malformed JSON (400), and no message names a Swift type
/// (found by the API fuzzer, Tests/interop/test_api_fuzz.py).
@Suite struct RequestDecodingTests {
    /// Words of Swift's own type names that a decoder's message carries.
    static let swiftTypeNames = ["Dictionary<", "Array<", "Optional<", "String", "Int", "Double", "Bool", "Any"]

    static func expectNoSwiftTypes(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = String(buffer: response.body)
        for name in swiftTypeNames where text.contains(name) {
            Issue.record("the answer names the Swift type \(name): \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func aWrongTypeIs422NamingTheField() async throws {
        try await TestServer().test { client in
            let response = try await client.postJSON("/api/v1/session", #"{"username": 5, "password": "x"}"#)
            #expect(response.status == .unprocessableContent)
            let problem = try response.problem()
            #expect(problem.type == "urn:wenzheng:problem:validation-failed")
            #expect(problem.errors?.map(\.field) == ["username"])
            #expect(problem.errors?.map(\.code) == ["wrong_type"])
            #expect(problem.detail == "username must be a string")
            Self.expectNoSwiftTypes(response)
        }
    }

    @Test func aBodyThatIsNotAnObjectIs422ForTheWholeBody() async throws {
        try await TestServer().test { client in
            for body in ["0.1", "[]", #""text""#, "true"] {
                let response = try await client.postJSON("/api/v1/session", body)
                #expect(response.status == .unprocessableContent, "\(body)")
                let problem = try response.problem()
                #expect(problem.type == "urn:wenzheng:problem:validation-failed")
                #expect(problem.errors?.map(\.field) == ["$"])
                #expect(problem.detail == "$ must be an object")
                Self.expectNoSwiftTypes(response)
            }
        }
    }

    @Test func aMissingOrNullFieldIs422Required() async throws {
        try await TestServer().test { client in
            let missing = try await client.postJSON("/api/v1/session", #"{"username": "a"}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(try missing.problem().errors?.map(\.field) == ["password"])
            #expect(try missing.problem().errors?.map(\.code) == ["required"])
            Self.expectNoSwiftTypes(missing)

            let null = try await client.postJSON("/api/v1/session", #"{"username": null, "password": "x"}"#)
            #expect(null.status == .unprocessableContent)
            #expect(try null.problem().errors?.map(\.field) == ["username"])
            #expect(try null.problem().errors?.map(\.code) == ["required"])
            Self.expectNoSwiftTypes(null)
        }
    }

    @Test func aNestedFieldIsNamedByItsPath() async throws {
        let server = try await TestServer()
        try await server.addStaff("presenter", role: .host)
        try await server.test { client in
            let host = try await client.logIn("presenter")
            let body = #"""
                {"title":"访谈","summary":"摘要","scheduledStart":"2026-12-03T02:00:00Z","plannedMinutes":60,
                 "guests":[{"name":"张三","title":"副厅长","department":"司法厅"},{"name":7,"title":"处长","department":"司法厅"}]}
                """#
            let response = try await client.execute(
                uri: "/api/v1/interviews", method: .post, headers: host.headers(csrf: true, json: true), body: ByteBuffer(string: body))
            #expect(response.status == .unprocessableContent)
            #expect(try response.problem().errors?.map(\.field) == ["guests[1].name"])
            Self.expectNoSwiftTypes(response)
        }
    }

    /// Found by the API fuzzer: Foundation's ISO 8601 reading took 12:99
    /// as 13:39, and the interview was scheduled at a time nobody typed.
    @Test func aTimeWithAFieldOutOfRangeIs422() async throws {
        let server = try await TestServer()
        try await server.addStaff("presenter", role: .host)
        try await server.test { client in
            let host = try await client.logIn("presenter")
            func schedule(_ time: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/interviews", method: .post, headers: host.headers(csrf: true, json: true),
                    body: ByteBuffer(string: #"{"title":"访谈","scheduledStart":"\#(time)","plannedMinutes":60}"#))
            }
            for time in ["2027-01-01T12:99:00Z", "2027-02-30T10:00:00+08:00", "2027-01-01T24:00:00Z", "2027-01-01T10:00:00+25:00", "2027-01-01"] {
                let refused = try await schedule(time)
                #expect(refused.status == .unprocessableContent, "\(time)")
                #expect(try refused.problem().errors?.map(\.field) == ["scheduledStart"], "\(time)")
                Self.expectNoSwiftTypes(refused)
            }
            for time in ["2027-01-01T10:00:00+08:00", "2027-01-01T02:00:00Z", "2027-01-01T02:00:00.250Z"] {
                let accepted = try await schedule(time)
                #expect(accepted.status == .created, "\(time): \(accepted.text)")
                #expect(accepted.text.contains(#""scheduledStart":"2027-01-01T02:00:00Z""#), "\(time): \(accepted.text)")
            }
        }
    }

    @Test func aValueATypeRefusesIs422Invalid() async throws {
        let server = try await TestServer()
        try await server.addStaff("chief", role: .admin)
        try await server.test { client in
            let admin = try await client.logIn("chief")
            let response = try await client.execute(
                uri: "/api/v1/staff/users", method: .post, headers: admin.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"username":"new.user","role":"emperor","password":"long-enough-1"}"#))
            #expect(response.status == .unprocessableContent)
            #expect(try response.problem().errors?.map(\.field) == ["role"])
            #expect(try response.problem().errors?.map(\.code) == ["invalid"])
            Self.expectNoSwiftTypes(response)
        }
    }

    @Test func onlyBrokenJSONStays400() async throws {
        try await TestServer().test { client in
            for body in [#"{"username": "a", "#, "", "{'a': 1}", "\u{FF}"] {
                let response = try await client.postJSON("/api/v1/session", body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try response.problem().type == "urn:wenzheng:problem:malformed-json")
                Self.expectNoSwiftTypes(response)
            }
        }
    }
}
