import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import Testing
import WenzhengStore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs the built `wenzheng` executable as a separate process.
struct CLI {
    static let executable: URL = {
        // `swift test` runs the test bundle from the same build folder that
        // holds the executable.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("wenzheng")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return repository.appendingPathComponent(".build/debug/wenzheng")
    }()

    /// The repository: the first folder above this file that holds Package.swift.
    static let repository: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder
    }()

    static let webRoot = repository.appendingPathComponent("Web").path

    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    @discardableResult
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WENZHENG_") }
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let error = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            error: String(decoding: error, as: UTF8.self))
    }
}

final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

@Suite("wenzheng command line", .serialized)
struct CommandLineTests {
    @Test func helpListsTheSubcommands() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0)
        for subcommand in ["serve", "users", "moderation", "audit"] {
            #expect(result.output.contains(subcommand))
        }
        let users = try CLI.run(["users", "--help"])
        for subcommand in ["add", "list", "disable", "enable", "reset-password"] {
            #expect(users.output.contains(subcommand))
        }
    }

    @Test func addListDisableAndResetUsers() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("var/wenzheng.sqlite")  // the directory is created
        let added = try CLI.run(
            ["users", "add", "Admin", "--role", "admin", "--display-name", "管理员", "--db", db, "--password-stdin"],
            input: "password-12345\n")
        #expect(added.status == 0, "\(added.error)")
        #expect(added.output.contains("created admin 'admin' in 办公室"))
        // The environment variable names the database too.
        let handler = try CLI.run(
            ["users", "add", "li", "--role", "handler", "--department", "法律援助处", "--password-stdin"],
            input: "password-67890\n", environment: ["WENZHENG_DB": db])
        #expect(handler.status == 0, "\(handler.error)")

        let table = try CLI.run(["users", "list", "--db", db])
        #expect(table.output.contains("USERNAME"))
        #expect(table.output.contains("法律援助处"))
        let json = try CLI.run(["users", "list", "--db", db, "--format", "json"])
        let users = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        #expect(users?.compactMap { $0["username"] as? String }.sorted() == ["admin", "li"])

        // Passwords are bcrypt with cost 12, never the plain text.
        let database = try AppDatabase.openFile(atPath: db)
        let hash = try database.reader.read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM staff_user WHERE username = 'admin'")
        }
        #expect(hash?.hasPrefix("$2b$12$") == true)

        let disabled = try CLI.run(["users", "disable", "li", "--db", db])
        #expect(disabled.status == 0)
        #expect(try CLI.run(["users", "list", "--db", db]).output.contains("disabled"))
        let reset = try CLI.run(["users", "reset-password", "li", "--db", db, "--password-stdin"], input: "another-password\n")
        #expect(reset.status == 0, "\(reset.error)")
        let audit = try database.reader.read { db in
            try String.fetchAll(db, sql: "SELECT action FROM audit_entry ORDER BY id")
        }
        #expect(audit == ["staff_user.create", "staff_user.create", "staff_user.disable", "staff_user.reset_password"])
    }

    @Test func badInputGetsAOneLineMessageAndChangesNothing() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        let badRole = try CLI.run(["users", "add", "x1", "--role", "boss", "--db", db, "--password-stdin"], input: "password-12345\n")
        #expect(badRole.status != 0)
        #expect(badRole.error.contains("unknown role 'boss'"))
        let shortPassword = try CLI.run(["users", "add", "x1", "--role", "admin", "--db", db, "--password-stdin"], input: "short\n")
        #expect(shortPassword.status != 0)
        #expect(shortPassword.error.contains("at least 10"))
        let noTerminal = try CLI.run(["users", "add", "x1", "--role", "admin", "--db", db])
        #expect(noTerminal.status != 0)
        #expect(noTerminal.error.contains("--password-stdin"))
        try CLI.run(["users", "add", "x1", "--role", "admin", "--db", db, "--password-stdin"], input: "password-12345\n")
        let duplicate = try CLI.run(["users", "add", "X1", "--role", "guest", "--db", db, "--password-stdin"], input: "password-12345\n")
        #expect(duplicate.status != 0)
        #expect(duplicate.error.contains("already taken"))
        let unknown = try CLI.run(["users", "disable", "ghost", "--db", db])
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("no user 'ghost'"))
        let list = try CLI.run(["users", "list", "--db", db, "--format", "json"])
        #expect(list.output.components(separatedBy: "\"username\"").count == 2)
    }

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

    @Test func moderationCheckAndAudit() throws {
        let check = try CLI.run(["moderation", "check", "加 微 信，电话13812345678"])
        #expect(check.status == 0, "\(check.error)")
        #expect(check.output.contains("verdict: reject"))
        #expect(check.output.contains("138****5678"))
        let lists = try CLI.run(["moderation", "lists"])
        #expect(lists.output.contains("CC-BY-4.0"))
        let empty = try CLI.run(["moderation", "check", "   "])
        #expect(empty.status != 0)

        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        try CLI.run(["users", "add", "root", "--role", "admin", "--db", db, "--password-stdin"], input: "password-12345\n")
        let table = try CLI.run(["audit", "--db", db])
        #expect(table.output.contains("staff_user.create"))
        let json = try CLI.run(["audit", "--db", db, "--format", "json", "--actor", "nobody"])
        #expect(json.output.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || json.output.contains("[]"))
        let badDate = try CLI.run(["audit", "--db", db, "--since", "last week"])
        #expect(badDate.status != 0)
        #expect(badDate.error.contains("--since"))
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
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("moderation lists reloaded on SIGHUP"), "\(log)")
        let rest = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
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
            let log = String(decoding: server.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
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
}

/// `wenzheng serve` started as a process, once it has printed its URL.
struct RunningServer {
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()
    /// `http://127.0.0.1:PORT/`
    let base: String
    /// What it printed up to the URL line.
    let output: String

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = CLI.executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WENZHENG_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read until the URL line appears.
        var output = ""
        let deadline = Date().addingTimeInterval(30)
        var url: String?
        while url == nil, Date() < deadline {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output += String(decoding: chunk, as: UTF8.self)
            url = output.firstMatch(of: /Open (http:\/\/127\.0\.0\.1:\d+\/)/).map { String($0.1) }
        }
        self.output = output
        guard let url else {
            if process.isRunning { process.terminate() }
            throw CLIError(message: "no URL in: \(output)")
        }
        self.base = url
    }

    func stop() {
        if process.isRunning { process.terminate() }
    }
}

struct CLIError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
