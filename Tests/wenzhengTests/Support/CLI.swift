import Foundation
import GRDB

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

    /// The environment a child gets: ours without `WENZHENG_` settings, then `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WENZHENG_") }
        env.merge(extra) { $1 }
        return env
    }

    @discardableResult
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = try ChildProcess(
            executable: executable.path, arguments: arguments, environment: Self.environment(environment), input: true)
        if let input { process.standardInput?.write(Data(input.utf8)) }
        try process.standardInput?.close()
        // Standard error is read on its own thread, so that a child that
        // fills one pipe while we wait on the other cannot stall both.
        let errorReader = PipeReader(process.standardError!)
        let output = process.standardOutput.readDataToEndOfFile()
        let error = errorReader.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            error: String(decoding: error, as: UTF8.self))
    }
}

/// Reads a pipe to its end on a thread of its own.
final class PipeReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
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

/// `wenzheng serve` started as a process, once it has printed its URL.
struct RunningServer {
    let process: ChildProcess
    var stdout: FileHandle { process.standardOutput }
    var stderr: FileHandle { process.standardError! }
    /// `http://127.0.0.1:PORT/`
    let base: String
    /// What it printed up to the URL line.
    let output: String

    /// - Parameter defaultMetrics: leave the metrics listener at its default
    ///   address (otherwise it is off, see below).
    init(_ arguments: [String], environment: [String: String] = [:], defaultMetrics: Bool = false) throws {
        // No metrics listener unless a test asks for one: servers started
        // side by side would all want the default 127.0.0.1:9464.
        var extra = defaultMetrics ? [:] : ["WENZHENG_METRICS_ADDRESS": "off"]
        extra.merge(environment) { $1 }
        process = try ChildProcess(
            executable: CLI.executable.path, arguments: arguments, environment: CLI.environment(extra))
        // Read until the URL line appears.
        var output = ""
        let deadline = Date().addingTimeInterval(30)
        var url: String?
        while url == nil, Date() < deadline {
            let chunk = process.standardOutput.availableData
            if chunk.isEmpty { break }
            output += String(decoding: chunk, as: UTF8.self)
            url = output.firstMatch(of: /Open (http:\/\/127\.0\.0\.1:\d+\/)/).map { String($0.1) }
        }
        self.output = output
        guard let url else {
            process.terminate()
            process.waitUntilExit()
            throw CLIError(message: "no URL in: \(output)")
        }
        self.base = url
    }

    func stop() {
        process.terminate()
    }
}

struct CLIError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A database file made and migrated by the built executable, holding one
/// notice due since 2026-01-01 in the outbox (as a feature would have
/// written it), for tests of what a running server does with the outbox.
func databaseWithDueNotice(
    in temp: TemporaryDirectory, kind: String, recipient: String, subject: String, body: String, about: (type: String, id: String)
) async throws -> String {
    let db = temp.path("db.sqlite")
    try CLI.run(["users", "list", "--db", db])  // creates and migrates it
    let queue = try DatabaseQueue(path: db)
    try await queue.write { db in
        try db.execute(
            sql: """
                INSERT INTO outbox_message (kind, recipient, subject, body, subject_type, subject_id, created_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                """,
            arguments: [kind, recipient, subject, body, about.type, about.id])
    }
    try queue.close()
    return db
}
