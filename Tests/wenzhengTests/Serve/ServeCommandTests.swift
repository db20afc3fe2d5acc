import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `wenzheng serve`: its settings, refusals, the running server and a
/// graceful stop.
@Suite("wenzheng serve", .serialized)
struct ServeCommandTests {
    @Test func serveRefusesAnUnwritableDatabasePath() throws {
        let temp = try TemporaryDirectory()
        try Data("x".utf8).write(to: temp.url.appendingPathComponent("file"))
        let result = try CLI.run(["serve", "--db", temp.path("file/db.sqlite"), "--port", "0", "--web", CLI.webRoot])
        #expect(result.status != 0)
        let message = result.error.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message.hasPrefix("Error: cannot open database"))
        #expect(!message.contains("\n"), "expected one line, got: \(message)")
    }

    @Test func serveRefusesADatabaseFromANewerSchema() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        try CLI.run(["users", "list", "--db", db])  // creates and migrates it
        let queue = try DatabaseQueue(path: db)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v999-future')") }
        try queue.close()
        let result = try CLI.run(["serve", "--db", db, "--port", "0", "--web", CLI.webRoot])
        #expect(result.status != 0)
        #expect(result.error.contains("newer version of Wenzheng"))
        #expect(result.error.contains("v999-future"))
    }

    @Test func serveRejectsABadPort() throws {
        let result = try CLI.run(["serve", "--port", "70000"])
        #expect(result.status != 0)
        #expect(result.error.contains("port must be a number from 0 to 65535"))
    }

    @Test func serveRejectsBadIntervals() throws {
        let unit = try CLI.run(["serve", "--heartbeat-interval", "20"])
        #expect(unit.status != 0)
        #expect(unit.error.contains("--heartbeat-interval: '20' is not a duration"))
        #expect(unit.error.contains("for example 90m"))
        let tooShort = try CLI.run(["serve", "--viewer-count-interval", "1ms"])
        #expect(tooShort.status != 0)
        #expect(tooShort.error.contains("--viewer-count-interval must be at least 10ms"))
        let fromEnvironment = try CLI.run(["serve"], environment: ["WENZHENG_OVERDUE_SWEEP_INTERVAL": "soon"])
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.error.contains("'soon' is not a duration"))
    }

    @Test("serve prints its URL, answers, and stops cleanly on SIGTERM with the WAL checkpointed")
    func serveRunsAndStopsGracefully() async throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        let server = try RunningServer(["serve", "--db", db, "--port", "0", "--web", CLI.webRoot, "--log-level", "notice"])
        defer { server.stop() }
        let (process, stdout, stderr, base, output) = (server.process, server.stdout, server.stderr, server.base, server.output)
        #expect(output.contains("No admin account yet"))

        let (data, response) = try await URLSession.shared.data(from: URL(string: base + "readyz")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("ready"))

        // SIGHUP reloads the moderation word lists without a restart.
        kill(process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        let (again, _) = try await URLSession.shared.data(from: URL(string: base + "healthz")!)
        #expect(String(decoding: again, as: UTF8.self).contains("ok"))

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = String(decoding: stderr.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("moderation lists reloaded on SIGHUP"), "\(log)")
        let rest = String(decoding: stdout.readDataToEndOfFile(), as: UTF8.self)
        #expect(rest.contains("Wenzheng stopped."))
        let walSize = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
        #expect(walSize == 0)
    }

    @Test("--trusted-proxy: the access log names the client a trusted proxy forwards, and only then")
    func trustedProxyNamesTheClientInTheLog() async throws {
        let temp = try TemporaryDirectory()
        func clientsLogged(_ arguments: [String], environment: [String: String] = [:]) async throws -> (String, [String]) {
            let server = try RunningServer(
                ["serve", "--db", temp.path("db.sqlite"), "--port", "0", "--web", CLI.webRoot, "--log-level", "info"] + arguments,
                environment: environment)
            defer { server.stop() }
            var request = URLRequest(url: URL(string: server.base + "healthz")!)
            request.setValue("198.51.100.7, 203.0.113.9", forHTTPHeaderField: "X-Forwarded-For")
            _ = try await URLSession.shared.data(for: request)
            server.process.terminate()
            server.process.waitUntilExit()
            let log = String(decoding: server.stderr.readDataToEndOfFile(), as: UTF8.self)
            let clients = log.split(separator: "\n").filter { $0.contains("path=/healthz") }.compactMap {
                $0.firstMatch(of: /client=(\S+)/).map { String($0.1) }
            }
            return (server.output, clients)
        }
        let (trustedOutput, trusted) = try await clientsLogged(
            ["--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "127.0.0.1/32", "--max-viewer-sockets-per-address", "5"])
        #expect(trusted == ["203.0.113.9"])
        #expect(trustedOutput.contains("Trusted proxies: 10.0.0.0/8, 127.0.0.1/32"))
        let (_, fromEnvironment) = try await clientsLogged([], environment: ["WENZHENG_TRUSTED_PROXIES": "::1, 127.0.0.0/8"])
        #expect(fromEnvironment == ["203.0.113.9"])
        let (untrustedOutput, untrusted) = try await clientsLogged([])
        #expect(untrusted == ["127.0.0.1"])
        #expect(!untrustedOutput.contains("Trusted proxies"))
    }

    @Test func serveRejectsABadViewerSocketLimit() throws {
        for bad in ["0", "-3", "many", "2000000"] {
            let result = try CLI.run(["serve", "--max-viewer-sockets-per-address=\(bad)"])
            #expect(result.status != 0)
            #expect(result.error.contains("--max-viewer-sockets-per-address must be a whole number from 1 to 1000000, not '\(bad)'"))
        }
        let fromEnvironment = try CLI.run(["serve"], environment: ["WENZHENG_MAX_VIEWER_SOCKETS_PER_ADDRESS": "lots"])
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.error.contains("not 'lots'"))
    }

    @Test func serveRejectsABadTrustedProxy() throws {
        let hostBits = try CLI.run(["serve", "--trusted-proxy", "10.1.2.3/8"])
        #expect(hostBits.status != 0)
        #expect(hostBits.error.contains("--trusted-proxy: '10.1.2.3/8' is not a CIDR range"))
        #expect(hostBits.error.contains("did you mean 10.0.0.0/8?"))
        let name = try CLI.run(["serve"], environment: ["WENZHENG_TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"])
        #expect(name.status != 0)
        #expect(name.error.contains("'proxy.internal' is not a CIDR range"))
    }

    @Test(
        "serve refuses a bad limit or interval, from its option or its variable, naming the option",
        arguments: [
            (["--question-limit-per-browser", "5"], [:], "--question-limit-per-browser: '5' is not a rate limit"),
            ([], ["WENZHENG_LETTER_LIMIT_PER_ADDRESS": "lots"], "--letter-limit-per-address: 'lots' is not a rate limit; write a count"),
            (
                ["--sign-in-free-failures-per-address", "0"], [:],
                "--sign-in-free-failures-per-address must be a whole number from 1 to 100000, not '0'"
            ),
            ([], ["WENZHENG_SESSION_PRUNE_INTERVAL": "hourly"], "--session-prune-interval: 'hourly' is not a duration"),
            ([], ["WENZHENG_SURVEY_ANSWER_LIMIT": "60"], "--survey-answer-limit: '60' is not a rate limit"),
            (["--consultation-comment-limit", "0/10m"], [:], "--consultation-comment-limit"),
            ([], ["WENZHENG_EVENT_CODE_LIMIT": "20"], "--event-code-limit: '20' is not a rate limit"),
        ] as [([String], [String: String], String)])
    func serveRejectsBadLimitsAndIntervals(_ arguments: [String], _ environment: [String: String], _ message: String) throws {
        let result = try CLI.run(["serve"] + arguments, environment: environment)
        #expect(result.status != 0)
        #expect(result.error.contains(message), "\(result.error)")
    }

    @Test func serveHelpGroupsTheIntervalsAndLimitsWithTheirDefaults() throws {
        let help = try CLI.run(["serve", "--help"])
        #expect(help.status == 0)
        for text in [
            "INTERVALS:", "--session-prune-interval", "default: 1h", "--survey-close-interval", "default: 1m", "LIMITS:", "--vote-limit-per-question", "default: 10/1h",
            "--letter-query-free-failures-per-address", "default: 30", "--survey-answer-limit", "default: 60/10m",
            "--consultation-comment-limit", "default: 10/10m", "--event-registration-limit", "--event-code-limit", "default: 20/10m",
        ] {
            #expect(help.output.contains(text), "\(text)")
        }
    }

    @Test("the log level and a limit set for serve reach the running server")
    func settingsReachTheRunningServer() async throws {
        let temp = try TemporaryDirectory()
        let server = try RunningServer(
            ["serve", "--db", temp.path("db.sqlite"), "--port", "0", "--web", CLI.webRoot, "--letter-limit-per-address", "1/1h"],
            environment: ["WENZHENG_LOG_LEVEL": "warning"])
        defer { server.stop() }
        var statuses: [Int] = []
        for _ in 0..<2 {
            var request = URLRequest(url: URL(string: server.base + "api/v1/letters")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(
                #"{"type":"consultation","subject":"法律援助怎么申请","body":"请问需要哪些材料？","authorName":"李四","email":"li@example.cn","mayPublish":false}"#
                    .utf8)
            let (_, response) = try await URLSession.shared.data(for: request)
            statuses.append((response as? HTTPURLResponse)?.statusCode ?? 0)
        }
        #expect(statuses == [201, 429])
        server.process.terminate()
        server.process.waitUntilExit()
        let log = String(decoding: server.stderr.readDataToEndOfFile(), as: UTF8.self)
        #expect(!log.contains("path=/api/v1/letters"), "access lines are info, below warning: \(log)")
    }
}
