import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `wenzheng serve --metrics-address` and `--log-format`, on the real
/// executable: the listener Prometheus scrapes, apart from the public port,
/// and log lines a collector can parse.
@Suite("wenzheng serve: metrics and logs", .serialized)
struct ServeOperationsOptionsTests {
    @Test(
        "a malformed metrics address or log format is refused at start with one line",
        arguments: [
            (["--metrics-address", "9464"], "--metrics-address: '9464' is not a listen address"),
            (["--metrics-address", "metrics.internal:9464"], "the host must be an IP address or localhost"),
            (["--metrics-address", "127.0.0.1:99999"], "the port must be a number from 0 to 65535"),
            (["--metrics-address", "127.0.0.1:8080"], "is the public address"),
            (["--log-format", "xml"], "--log-format must be text or json, not 'xml'"),
        ])
    func refusals(arguments: [String], message: String) throws {
        let result = try CLI.run(["serve", "--web", CLI.webRoot] + arguments)
        #expect(result.status != 0)
        let error = result.error.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(error.contains(message), "\(error)")
        #expect(error.split(separator: "\n").count <= 3, "expected a short refusal, got: \(error)")
    }

    @Test func theVariableIsReadToo() throws {
        let result = try CLI.run(["serve", "--web", CLI.webRoot], environment: ["WENZHENG_METRICS_ADDRESS": "[::1]9464"])
        #expect(result.status != 0)
        #expect(result.error.contains("'[::1]9464' is not a listen address"))
    }

    /// A port nothing listens on now (the kernel's pick, released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        #expect(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether nothing listens on 127.0.0.1:`port` now.
    static func portIsFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// The local addresses listening on `port` (hex `ADDRESS:PORT` as
    /// /proc/net/tcp and tcp6 write them).
    static func listeners(on port: Int) -> [String] {
        let hexPort = String(format: ":%04X", port)
        return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap { table -> [String] in
            let text = (try? String(contentsOfFile: table, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").dropFirst().compactMap { line in
                let fields = line.split(separator: " ")
                guard fields.count > 3, fields[1].hasSuffix(hexPort), fields[3] == "0A" else { return nil }
                return String(fields[1])
            }
        }
    }

    @Test(
        "by default the listener is 127.0.0.1:9464, bound to loopback only",
        .enabled(if: portIsFree(9464), "something else listens on 127.0.0.1:9464 here"))
    func defaultIsLoopback() async throws {
        let temp = try TemporaryDirectory()
        let server = try RunningServer(
            ["serve", "--db", temp.path("db.sqlite"), "--port", "0", "--web", CLI.webRoot, "--log-level", "notice"],
            defaultMetrics: true)
        defer { server.stop() }
        #expect(server.output.contains("Metrics: http://127.0.0.1:9464/metrics (Prometheus; this machine only)"))
        var scrape: (Data, URLResponse)?
        for _ in 0..<50 where scrape == nil {
            scrape = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:9464/metrics")!)
            if scrape == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect((try #require(scrape).1 as? HTTPURLResponse)?.statusCode == 200)
        // 0100007F:24F8 is 127.0.0.1:9464; a wildcard bind would be 00000000:24F8.
        #expect(Self.listeners(on: 9464) == ["0100007F:24F8"])
    }

    @Test("a metrics address another process listens on stops the server with a line naming the listener and the option")
    func metricsAddressInUse() async throws {
        // Something else listening on the port, as a second server on the
        // same machine would with the default address.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(listening && listen(fd, 1) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))

        let temp = try TemporaryDirectory()
        let server = try ChildProcess(
            executable: CLI.executable.path,
            arguments: [
                "serve", "--db", temp.path("db.sqlite"), "--port", "0", "--web", CLI.webRoot, "--metrics-address", "127.0.0.1:\(port)",
            ],
            environment: CLI.environment([:]))
        let errors = PipeReader(server.standardError!)
        let output = PipeReader(server.standardOutput)
        // It must stop by itself; a server still running after 30 s is a failure.
        for _ in 0..<300 where server.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        let stoppedByItself = !server.isRunning
        server.terminate()
        server.waitUntilExit()
        let error = String(decoding: errors.wait(), as: UTF8.self)
        _ = output.wait()
        #expect(stoppedByItself, "\(error)")
        #expect(server.terminationStatus != 0)
        #expect(
            error.contains("the metrics listener cannot listen on 127.0.0.1:\(port)")
                && error.contains("--metrics-address off"), "\(error)")
    }

    @Test("the metrics listener answers /metrics on its own address; the public port does not; JSON log lines parse")
    func metricsListenerAndJSONLogs() async throws {
        let temp = try TemporaryDirectory()
        let port = try Self.freePort()
        let server = try RunningServer([
            "serve", "--db", temp.path("db.sqlite"), "--port", "0", "--web", CLI.webRoot, "--log-level", "info",
            "--metrics-address", "127.0.0.1:\(port)", "--log-format", "json",
        ])
        defer { server.stop() }
        #expect(server.output.contains("Metrics: http://127.0.0.1:\(port)/metrics (Prometheus; this machine only)"))

        let (_, publicResponse) = try await URLSession.shared.data(from: URL(string: server.base + "metrics")!)
        #expect((publicResponse as? HTTPURLResponse)?.statusCode == 404)
        _ = try await URLSession.shared.data(from: URL(string: server.base + "readyz")!)

        // The listener may still be binding just after the URL line.
        var scrape: (Data, URLResponse)?
        for _ in 0..<50 where scrape == nil {
            scrape = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            if scrape == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let (body, response) = try #require(scrape)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.contains(#"wenzheng_http_requests_total{route="/readyz",method="GET",status="200"} 1"#), "\(text)")
        #expect(text.contains(#"wenzheng_http_requests_total{route="unmatched",method="GET",status="404"} 1"#))
        #expect(text.contains("# TYPE wenzheng_letters_overdue gauge"))
        #expect(text.contains("# TYPE wenzheng_database_commit_duration_seconds histogram"))
        let (_, other) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/readyz")!)
        #expect((other as? HTTPURLResponse)?.statusCode == 404)

        server.process.terminate()
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        let log = String(decoding: server.stderr.readDataToEndOfFile(), as: UTF8.self)
        let lines = log.split(separator: "\n")
        #expect(!lines.isEmpty)
        var requests: [[String: Any]] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON line: \(line)")
            if let object, object["message"] as? String == "request" { requests.append(object) }
            if let object {
                #expect(object["timestamp"] is String && object["level"] is String && object["label"] is String)
            }
        }
        let ready = try #require(requests.first { $0["route"] as? String == "/readyz" })
        #expect(ready["status"] as? String == "200" && ready["client"] as? String == "127.0.0.1")
        #expect(ready["request_id"] is String && ready["duration_ms"] is String)
    }
}
