import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// One sample of a Prometheus text exposition.
struct Sample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double
}

/// Reads a text exposition strictly (the subset the format allows here):
/// `# HELP` and `# TYPE` comments, and `name{label="value",…} number`
/// lines. Any other line fails the test.
func parseExposition(_ text: String) -> (samples: [Sample], types: [String: String]) {
    var samples: [Sample] = []
    var types: [String: String] = [:]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
        if line.hasPrefix("# HELP ") { continue }
        if let type = line.wholeMatch(of: #/# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)/#) {
            types[String(type.1)] = String(type.2)
            continue
        }
        guard let match = line.wholeMatch(of: #/([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/#), let value = Double(match.3) else {
            Issue.record("not an exposition line: \(line)")
            continue
        }
        var labels: [String: String] = [:]
        if let list = match.2 {
            // label="value" pairs; values escape \\, \" and \n.
            var rest = Substring(list)
            while !rest.isEmpty {
                guard let pair = rest.prefixMatch(of: #/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/#) else {
                    Issue.record("bad labels in: \(line)")
                    break
                }
                labels[String(pair.1)] = String(pair.2)
                rest = rest[pair.range.upperBound...]
            }
        }
        samples.append(Sample(name: String(match.1), labels: labels, value: value))
    }
    return (samples, types)
}

extension Array where Element == Sample {
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { $0.name == name && $0.labels == labels }?.value
    }
}

@Suite("Metrics (/metrics)", .serialized)
struct MetricsTests {
    /// What the metrics listener answers to `GET /metrics`, parsed.
    static func scrape(_ server: TestServer) async throws -> (text: String, samples: [Sample], types: [String: String]) {
        let app = Application(
            router: buildMetricsRouter(server.dependencies), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let text = try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                return String(buffer: response.body)
            }
        }
        let parsed = parseExposition(text)
        return (text, parsed.samples, parsed.types)
    }

    @Test("the listener answers /metrics in the text format with every family typed, and nothing else")
    func format() async throws {
        let server = try await TestServer()
        let scrape = try await Self.scrape(server)
        #expect(scrape.types[ServerMetrics.Name.lettersOpen] == "gauge")
        #expect(scrape.types[ServerMetrics.Name.moderationQueueOldestAge] == "gauge")
        #expect(scrape.types[ServerMetrics.Name.databaseCommitDuration] == "histogram")
        #expect(scrape.types[ServerMetrics.Name.collectionErrors] == "counter")
        // Every sample belongs to a typed family (histograms by their suffixes).
        for sample in scrape.samples {
            let family = sample.name.replacing(#/_(bucket|sum|count)$/#, with: "")
            #expect(scrape.types[sample.name] != nil || scrape.types[family] == "histogram", "untyped sample \(sample.name)")
        }
        let app = Application(
            router: buildMetricsRouter(server.dependencies), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.router) { client in
            for path in ["/", "/healthz", "/metrics/more", "/api/v1/interviews"] {
                do {
                    let response = try await client.execute(uri: path, method: .get)
                    #expect(response.status == .notFound, "\(path)")
                }
            }
            do {
                let response = try await client.execute(uri: "/metrics", method: .post)
                #expect(response.status != .ok)
            }
        }
    }

    @Test("the public application does not serve /metrics")
    func notOnThePublicPort() async throws {
        let server = try await TestServer()
        try await server.test { client in
            do {
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(response.status == .notFound)
            }
            do {
                let response = try await client.execute(uri: "/metrics?format=text", method: .get)
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("requests are counted by route template, method and status; raw paths and odd methods never become labels")
    func requestCounts() async throws {
        let server = try await TestServer()
        try await server.prepare { client in
            do {
                let response = try await client.execute(uri: "/healthz", method: .get)
                #expect(response.status == .ok)
            }
            do {
                let response = try await client.execute(uri: "/healthz", method: .get)
                #expect(response.status == .ok)
            }
            _ = try await client.execute(uri: "/api/v1/interviews/987654321", method: .get)
            do {
                let response = try await client.execute(uri: "/no/such/page-4242", method: .get)
                #expect(response.status == .notFound)
            }
            _ = try await client.execute(uri: "/healthz", method: .init("BREW")!)
            _ = try await client.execute(uri: "/static/css/site.css", method: .get)
        }
        let scrape = try await Self.scrape(server)
        let requests = ServerMetrics.Name.httpRequests
        #expect(scrape.samples.value(requests, ["route": "/healthz", "method": "GET", "status": "200"]) == 2)
        let interview = scrape.samples.first { $0.name == requests && $0.labels["route"] == "/api/v1/interviews/{id}" }
        #expect(interview?.labels["method"] == "GET" && interview?.value == 1)
        #expect(scrape.samples.value(requests, ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
        #expect(scrape.samples.contains { $0.name == requests && $0.labels["method"] == "other" })
        #expect(scrape.samples.value(requests, ["route": "/static/{file}", "method": "GET", "status": "200"]) == 1)
        #expect(!scrape.text.contains("987654321") && !scrape.text.contains("4242") && !scrape.text.contains("BREW"))
        let duration = ServerMetrics.Name.httpRequestDuration
        #expect(scrape.samples.value(duration + "_count", ["route": "/healthz", "method": "GET"]) == 2)
        #expect(scrape.samples.value(duration + "_bucket", ["route": "/healthz", "method": "GET", "le": "+Inf"]) == 2)
    }

    @Test("the moderation queue's length by kind and its oldest item's age are read at scrape time")
    func moderationQueue() async throws {
        let server = try await TestServer()
        var scrape = try await Self.scrape(server)
        #expect(scrape.samples.value(ServerMetrics.Name.moderationQueueItems, ["kind": "question"]) == 0)
        #expect(scrape.samples.value(ServerMetrics.Name.moderationQueueOldestAge) == 0)
        try await server.submit("第一个问题")
        server.clock.advance(by: 90)
        try await server.submit("第二个问题")
        try await server.submit("一封信", kind: .letter)
        server.clock.advance(by: 30)
        scrape = try await Self.scrape(server)
        #expect(scrape.samples.value(ServerMetrics.Name.moderationQueueItems, ["kind": "question"]) == 2)
        #expect(scrape.samples.value(ServerMetrics.Name.moderationQueueItems, ["kind": "letter"]) == 1)
        #expect(scrape.samples.value(ServerMetrics.Name.moderationQueueOldestAge) == 120)
    }

    /// Midday in the office's time zone on `day`.
    static func midday(_ day: CivilDate) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CivilDate.officeTimeZone
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12))!
    }

    @Test("letters open, due within 2 working days and overdue follow the office calendar")
    func letters() async throws {
        let server = try await TestServer()
        let letter = try await server.database.mailbox.submitLetter(
            NewLetter(
                type: .complaint, subject: "路灯不亮", body: "小区门口的路灯坏了三个月。", authorName: "张三", phone: "13812345678",
                email: nil, mayPublish: false, idempotencyKey: nil, clientAddress: "203.0.113.9"),
            passwordHash: "$2b$04$notarealhash", at: server.clock.now()
        ).letter
        let due = try #require(letter.dueOn)
        func figures() async throws -> [Double?] {
            let samples = try await Self.scrape(server).samples
            return [ServerMetrics.Name.lettersOpen, ServerMetrics.Name.lettersDueSoon, ServerMetrics.Name.lettersOverdue].map {
                samples.value($0)
            }
        }
        #expect(try await figures() == [1, 0, 0])
        server.clock.set(Self.midday(due))
        #expect(try await figures() == [1, 1, 0])
        server.clock.set(Self.midday(due.nextDay))
        #expect(try await figures() == [1, 0, 1])
    }

    @Test("write transactions' commits are timed through the store's hook")
    func commitLatency() async throws {
        let server = try await TestServer()
        let before = try await Self.scrape(server).samples.value(ServerMetrics.Name.databaseCommitDuration + "_count") ?? 0
        try await server.submit("一个问题")
        try await server.submit("又一个问题")
        let scrape = try await Self.scrape(server)
        let after = try #require(scrape.samples.value(ServerMetrics.Name.databaseCommitDuration + "_count"))
        #expect(after >= before + 2)
        #expect(try #require(scrape.samples.value(ServerMetrics.Name.databaseCommitDuration + "_sum")) > 0)
    }

    @Test("the live figures: a viewer shows in its interview's gauge, frames it was sent are counted, and a scrape never counts them twice")
    func liveViewers() async throws {
        let server = try await TestServer()
        let (id, _) = try await ViewerEngineTests.liveInterview(server)
        try await server.testLive { client in
            let port = try #require(client.port)
            // A 3 s receive timeout: a read that times out means the room
            // has gone quiet (it sends a viewer count only when it changes).
            let socket = try RawWebSocket(port: port, timeout: 3)
            socket.handshake("/live/interviews/\(id)", port: port)
            #expect(await socket.readResponse()?.status == 101)
            _ = try #require(await socket.readFrame())  // hello
            var framesRead = 1
            let labels = ["interview": String(id)]
            func delivered() async throws -> Double {
                try await Self.scrape(server).samples.value(ServerMetrics.Name.liveFramesDelivered, labels) ?? 0
            }
            // A frame is counted after its write, so the client may read it
            // a moment before the registry shows it.
            func deliveredOnce(atLeast wanted: Int) async throws -> Double {
                var value = try await delivered()
                for _ in 0..<100 where value < Double(wanted) {
                    try await Task.sleep(for: .milliseconds(50))
                    value = try await delivered()
                }
                return value
            }
            #expect(try await deliveredOnce(atLeast: 1) >= 1)
            let scrape = try await Self.scrape(server)
            #expect(scrape.samples.value(ServerMetrics.Name.liveViewers, labels) == 1)
            #expect(scrape.samples.value(ServerMetrics.Name.liveViewersDroppedTooSlow, labels) == 0)
            // Read whatever else was sent (the viewer count) until the room is
            // quiet; then the registry holds every frame written exactly once,
            // however often it is scraped.
            while await socket.readFrame() != nil { framesRead += 1 }
            #expect(try await deliveredOnce(atLeast: framesRead) == Double(framesRead))
            #expect(try await delivered() == Double(framesRead))
        }
    }

    @Test("the hub's per-loop counters reach the registry as deltas")
    func liveMirror() {
        let metrics = ServerMetrics()
        metrics.updateLive([LiveRoomStatistics(interviewID: 7, viewers: 3, framesDelivered: 100, viewersDroppedTooSlow: 1)])
        metrics.updateLive([LiveRoomStatistics(interviewID: 7, viewers: 2, framesDelivered: 250, viewersDroppedTooSlow: 1)])
        let samples = parseExposition(String(decoding: metrics.exposition(), as: UTF8.self)).samples
        #expect(samples.value(ServerMetrics.Name.liveViewers, ["interview": "7"]) == 2)
        #expect(samples.value(ServerMetrics.Name.liveFramesDelivered, ["interview": "7"]) == 250)
        #expect(samples.value(ServerMetrics.Name.liveViewersDroppedTooSlow, ["interview": "7"]) == 1)
    }

    @Test("route labels: templates as matched, one label for unmatched requests and one for static files")
    func routeLabels() {
        #expect(HTTPMetricsMiddleware.routeLabel("/api/v1/interviews/{id}") == "/api/v1/interviews/{id}")
        #expect(HTTPMetricsMiddleware.routeLabel(nil) == "unmatched")
        #expect(HTTPMetricsMiddleware.routeLabel("NotFound") == "unmatched")
        #expect(HTTPMetricsMiddleware.routeLabel("FileMiddleware") == "/static/{file}")
    }
}
