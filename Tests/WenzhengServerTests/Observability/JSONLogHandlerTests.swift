import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// Lines a `JSONLogHandler` wrote, kept for the test to read back.
final class CapturedLines: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    var output: JSONLogOutput {
        JSONLogOutput { line in self.bytes.withLock { $0.append(contentsOf: line) } }
    }

    /// Each line parsed back with JSONSerialization, as a collector would.
    func objects() throws -> [[String: Any]] {
        let text = String(decoding: bytes.withLock { $0 }, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }
}

@Suite("JSON log lines (--log-format json)")
struct JSONLogHandlerTests {
    static let hostile = [
        "plain", "引号\"与反斜杠\\", "line\nbreak\r\n", "tab\there", "nul\u{0}bell\u{7}esc\u{1B}[31m", "del\u{7F}",
        "separators\u{2028}and\u{2029}", "emoji 🧑‍⚖️ and 中文", "}{\"forged\":\"field\"}", "\\u0000 literally", "",
        "\u{FEFF}bom", "\u{10FFFF} last",
    ]

    func logger(_ captured: CapturedLines, now: Date = Date(timeIntervalSince1970: 1_795_000_000.25)) -> Logger {
        var logger = Logger(label: "wenzheng") { label in JSONLogHandler(label: label, output: captured.output, now: { now }) }
        logger.logLevel = .debug
        return logger
    }

    @Test("every line is one JSON object that reads back to exactly what was logged, whatever the text")
    func hostileText() throws {
        let captured = CapturedLines()
        var logger = logger(captured)
        logger[metadataKey: "hb.request.id"] = "abc"
        for text in Self.hostile {
            logger.warning(
                "\(text)",
                metadata: [
                    text.isEmpty ? "empty" : text: .string(text), "list": .array([.string(text), .stringConvertible(42)]),
                    "nested": .dictionary(["inner": .string(text)]),
                ])
        }
        let objects = try captured.objects()
        #expect(objects.count == Self.hostile.count)
        for (object, text) in zip(objects, Self.hostile) {
            #expect(object["message"] as? String == text)
            #expect(object["level"] as? String == "warning")
            #expect(object["label"] as? String == "wenzheng")
            #expect(object["timestamp"] as? String == "2026-11-18T11:06:40.250000Z")
            #expect(object["hb.request.id"] as? String == "abc")
            #expect(object[text.isEmpty ? "empty" : text] as? String == text)
            #expect((object["list"] as? [String]) == [text, "42"])
            #expect((object["nested"] as? [String: String]) == ["inner": text])
        }
    }

    @Test("metadata named like a fixed field cannot replace it")
    func noForgedFields() throws {
        let captured = CapturedLines()
        logger(captured).info("real", metadata: ["level": "critical", "message": "forged", "timestamp": "1970"])
        let object = try #require(try captured.objects().first)
        #expect(object["level"] as? String == "info" && object["message"] as? String == "real")
        #expect(object["_level"] as? String == "critical" && object["_message"] as? String == "forged")
        #expect(object["_timestamp"] as? String == "1970")
    }

    @Test(
        "timestamps are ISO 8601 UTC with microseconds",
        arguments: [
            (0.0, "1970-01-01T00:00:00.000000Z"), (1_795_000_000.999_999_7, "2026-11-18T11:06:41.000000Z"),
            (951_782_400.5, "2000-02-29T00:00:00.500000Z"),
        ])
    func timestamps(seconds: Double, expected: String) {
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test("the access log's line carries the request id, route template, status, duration and client")
    func accessLogFields() async throws {
        let captured = CapturedLines()
        let server = try await TestServer()
        var configuration = server.configuration
        configuration.logLevel = .info
        let dependencies = AppDependencies(
            configuration: configuration, database: server.database, moderation: server.moderation, clock: server.clock,
            hub: server.hub, logger: logger(captured, now: Date()))
        let router = try await buildRouter(dependencies)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: dependencies.logger)
        let requestID = try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/events/4242", method: .get) { response in
                try #require(response.headers[.requestID])
            }
        }
        let line = try #require(try captured.objects().first { $0["message"] as? String == "request" })
        #expect(line["request_id"] as? String == requestID)
        #expect(line["route"] as? String == "/api/v1/events/{id}")
        #expect(line["path"] as? String == "/api/v1/events/4242")
        #expect(line["method"] as? String == "GET")
        #expect(line["status"] as? String == "404")
        #expect(Double(try #require(line["duration_ms"] as? String)) != nil)
        #expect(line["client"] as? String == "unknown")
        #expect(line["level"] as? String == "info")
    }
}
