import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

@Suite("HTTP conventions")
struct FoundationHTTPTests {
    @Test("a GET form's + is a space in the query, and %2B a plus")
    func formQueryPlusIsASpace() async throws {
        try await TestServer().test { client in
            let spaced = try await client.execute(uri: "/letters?q=%E6%B3%95%E5%BE%8B+%E6%8F%B4%E5%8A%A9", method: .get)
            #expect(spaced.text.contains(#"value="法律 援助""#))
            let plus = try await client.execute(uri: "/letters?q=C%2B%2B", method: .get)
            #expect(plus.text.contains(#"value="C++""#))
        }
    }

    @Test func unknownAPIRouteIsA404Problem() async throws {
        try await TestServer().test { client in
            let response = try await client.execute(uri: "/api/v1/no-such-thing", method: .get)
            #expect(response.status == .notFound)
            let problem = try response.problem()
            #expect(problem.type == "urn:wenzheng:problem:not-found")
            #expect(problem.status == 404)
            #expect(response.headers[HTTPField.Name("X-Request-Id")!] != nil)
        }
    }

    @Test func unknownPageIsAReadable404Page() async throws {
        try await TestServer().test { client in
            let response = try await client.execute(uri: "/no-such-page", method: .get, headers: [.accept: "text/html"])
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.text.contains("页面不存在"))
        }
    }

    @Test func malformedJSONIsA400WithTheParseError() async throws {
        try await TestServer().test { client in
            let response = try await client.postJSON("/api/v1/session", #"{"username": "a", "#)
            #expect(response.status == .badRequest)
            let problem = try response.problem()
            #expect(problem.type == "urn:wenzheng:problem:malformed-json")
            #expect(problem.detail?.contains("invalid JSON") == true)

            // Valid JSON of the wrong shape is a validation failure
            // (RequestDecodingTests), not malformed JSON.
            let wrongType = try await client.postJSON("/api/v1/session", #"{"username": 5, "password": "x"}"#)
            #expect(wrongType.status == .unprocessableContent)
            #expect(try wrongType.problem().errors?.map(\.field) == ["username"])
        }
    }

    @Test func nonJSONBodyToTheAPIIs415() async throws {
        try await TestServer().test { client in
            let response = try await client.postForm("/api/v1/session", "username=a&password=b")
            #expect(response.status == .unsupportedMediaType)
            #expect(try response.problem().type == "urn:wenzheng:problem:unsupported-media-type")
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await TestServer { $0.maxBodyBytes = 1024 }.test { client in
            let big = #"{"username":""# + String(repeating: "x", count: 4096) + #"","password":"p"}"#
            let response = try await client.postJSON("/api/v1/session", big)
            #expect(response.status == .contentTooLarge)
            #expect(try response.problem().type == "urn:wenzheng:problem:payload-too-large")
        }
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        try await TestServer().test { client in
            for uri in ["/", "/api/v1/nothing", "/static/css/site.css"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            }
        }
    }

    @Test func staticAssetsHaveETagAndCaching() async throws {
        try await TestServer().test { client in
            let first = try await client.execute(uri: "/static/css/site.css", method: .get)
            #expect(first.status == .ok)
            #expect(first.headers[.contentType]?.hasPrefix("text/css") == true)
            #expect(first.headers[.cacheControl]?.contains("max-age=") == true)
            let etag = try #require(first.headers[.eTag])
            let second = try await client.execute(uri: "/static/css/site.css", method: .get, headers: [.ifNoneMatch: etag])
            #expect(second.status == .notModified)
            let traversal = try await client.execute(uri: "/static/../Package.swift", method: .get)
            #expect(traversal.status != .ok)
        }
    }

    @Test func crossSiteFormPostsAreRefused() async throws {
        try await TestServer().test { client in
            let response = try await client.postForm(
                "/login", "username=a&password=b",
                headers: [.origin: "https://evil.example", .accept: "application/json"])
            #expect(response.status == .forbidden)
            #expect(try response.problem().type == "urn:wenzheng:problem:csrf-failed")
        }
    }
}
