import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// A JSON object body with every string escaped, whatever it holds.
func jsonBody(_ fields: [String: String]) throws -> String {
    String(decoding: try JSONEncoder().encode(fields), as: UTF8.self)
}

@Suite("The archive's transcript downloads (实录)")
struct TranscriptDownloadTests {
    /// A quote before a combining acute, a ZWJ and a script tag.
    static let hostileQuestion = "\"\u{301} onmouseover=\"x <script>alert(1)</script>\n# 标题 a\u{200D}b"
    /// A quote before a variation selector, Markdown link and image syntax.
    static let hostileAnswer = "'\u{200D}<img src=x onerror=y> [链接](javascript:alert(1)) ![x](http://e/x.png) \"\u{FE0F}"

    /// Signs in, creates an interview, has a hostile question approved,
    /// put on air and answered: live, not yet ended.
    func liveInterview(_ server: TestServer, _ client: any TestClientProtocol) async throws -> (InterviewDriver, Int64) {
        let host = InterviewDriver(client: client, staff: try await client.logIn("host"))
        let id = try await host.create()
        #expect(try await host.status(id, "open").status == .ok)
        let asked = try await client.postJSON(
            "/api/v1/interviews/\(id)/questions", try jsonBody(["text": Self.hostileQuestion, "nickname": "张三丰"]))
        #expect(asked.status == .created, "\(asked.text)")
        let question = try JSONDecoder.iso.decode(IDBody.self, from: Data(buffer: asked.body)).id
        let moderator = try await client.logIn("mod")
        let listed = try await client.execute(uri: "/api/v1/moderation/items", method: .get, headers: moderator.headers())
        for item in try JSONDecoder.iso.decode(ItemsBody.self, from: Data(buffer: listed.body)).items {
            let decided = try await client.execute(
                uri: "/api/v1/moderation/items/\(item.id)/decision", method: .post, headers: moderator.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"action":"approve","override":true}"#))
            #expect(decided.status == .ok, "\(decided.text)")
        }
        #expect(try await host.status(id, "live").status == .ok)
        #expect(try await host.json(.post, "/api/v1/interviews/\(id)/questions/\(question)/on-air").status == .ok)
        let answered = try await host.json(
            .post, "/api/v1/interviews/\(id)/entries",
            #"{"kind":"answer","questionId":\#(question),"body":\#(try jsonString(Self.hostileAnswer))}"#)
        #expect(answered.status == .created, "\(answered.text)")
        return (host, id)
    }

    /// The lines where one of `characters` comes without a backslash
    /// before it.
    static func unescaped(_ characters: Set<UInt8>, in markdown: String) -> [String] {
        markdown.split(separator: "\n").map(String.init).filter { line in
            let bytes = Array(line.utf8)
            return bytes.indices.contains { characters.contains(bytes[$0]) && ($0 == 0 || bytes[$0 - 1] != UInt8(ascii: "\\")) }
        }
    }

    func jsonString(_ text: String) throws -> String {
        String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
    }

    func download(_ client: any TestClientProtocol, _ id: Int64, _ format: TranscriptFormat, headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        try await client.execute(uri: "/interviews/\(id)/transcript.\(format.fileExtension)", method: .get, headers: headers)
    }

    @Test("404 until the interview has ended; then four attachments with their media types, the store's bytes, revalidated by ETag")
    func downloads() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.addStaff("mod", role: .moderator)
        try await server.test { client in
            let host = InterviewDriver(client: client, staff: try await client.logIn("host"))
            let hidden = try await host.create(title: "尚未公布")
            let (_, id) = try await liveInterview(server, client)
            for format in TranscriptFormat.allCases {
                #expect(try await download(client, id, format).status == .notFound, "live: \(format)")
                #expect(try await download(client, hidden, format).status == .notFound, "scheduled: \(format)")
                // Staff get no more than the public: the archive's rule.
                #expect(try await download(client, hidden, format, headers: host.staff.headers()).status == .notFound)
                #expect(try await download(client, 999, format).status == .notFound)
            }
            let livePage = try await client.execute(uri: "/interviews/\(id)", method: .get)
            #expect(!livePage.text.contains("transcript-downloads"))

            #expect(try await host.status(id, "ended").status == .ok)
            let document = try await server.database.interviews.publishedTranscript(interviewID: id)
            for format in TranscriptFormat.allCases {
                let response = try await download(client, id, format)
                #expect(response.status == .ok, "\(format)")
                #expect(response.headers[.contentType] == format.mediaType)
                #expect(
                    response.headers[.contentDisposition] == "attachment; filename=\"interview-\(id)-transcript.\(format.fileExtension)\"")
                #expect(response.headers[.cacheControl] == "no-cache")
                #expect(response.headers[.contentSecurityPolicy] == "sandbox; default-src 'none'; style-src 'unsafe-inline'")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(Data(buffer: response.body) == TranscriptExport.data(document, as: format), "the same bytes as the CLI")
                let tag = try #require(response.headers[.eTag])
                #expect(try await download(client, id, format).headers[.eTag] == tag, "same data, same tag")
                let revalidated = try await download(client, id, format, headers: [.ifNoneMatch: tag])
                #expect(revalidated.status == .notModified && revalidated.body.readableBytes == 0)
                #expect(try await download(client, id, format, headers: [.ifNoneMatch: "\"other\""]).status == .ok)
            }

            // The archive page offers the four, and a change to the transcript changes the tag.
            let page = try await client.execute(uri: "/interviews/\(id)", method: .get)
            #expect(page.text.contains(#"data-testid="transcript-downloads""#))
            for format in TranscriptFormat.allCases {
                #expect(
                    page.text.contains(
                        #"href="/interviews/\#(id)/transcript.\#(format.fileExtension)" download="interview-\#(id)-transcript.\#(format.fileExtension)""#
                    ))
            }
            let before = try await download(client, id, .json).headers[.eTag]
            #expect(try await host.status(id, "published").status == .ok)
            let after = try await download(client, id, .json)
            #expect(after.status == .ok && after.headers[.eTag] != before)
            #expect(after.text.contains(#""body": "published""#))
        }
    }

    @Test("hostile text in a question and an answer comes out escaped in the HTML and the Markdown downloads")
    func hostileText() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.addStaff("mod", role: .moderator)
        try await server.test { client in
            let (host, id) = try await liveInterview(server, client)
            #expect(try await host.status(id, "ended").status == .ok)

            let html = try await download(client, id, .html).text
            #expect(html.contains("&quot;\u{301} onmouseover=&quot;x &lt;script&gt;alert(1)&lt;/script&gt;<br>\n# 标题 a\u{200D}b"))
            #expect(html.contains("&#39;\u{200D}&lt;img src=x onerror=y&gt; [链接](javascript:alert(1)) ![x](http://e/x.png) &quot;\u{FE0F}"))
            // No quote, angle bracket or apostrophe of theirs survives,
            // whatever follows it: the only tags are the export's own.
            for scalar in ["\"\u{301}", "'\u{200D}", "\"\u{FE0F}", "<script", "<img"] {
                #expect(!html.contains(scalar), "\(scalar.unicodeScalars.map { String($0.value, radix: 16) })")
            }

            let markdown = try await download(client, id, .markdown).text
            #expect(markdown.contains(#"\<script\>alert(1)\</script\>"#))
            #expect(markdown.contains("\\\n\\# 标题 a\u{200D}b"), "a heading inside the text stays text")
            #expect(markdown.contains(#"\[链接\](javascript:alert(1)) !\[x\](http://e/x.png)"#))
            // Every bracket of theirs is escaped: no raw HTML, link or image.
            #expect(Self.unescaped(Set("<>[]".utf8), in: markdown) == [], "\(markdown)")
            #expect(markdown.contains(#"**问** 19:06 张\*\*"#), "the asker masked as on the page")
        }
    }
}
