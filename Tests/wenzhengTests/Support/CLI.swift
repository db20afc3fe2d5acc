import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs the built `wenzheng` executable as a separate process.
struct CLI {
    /// One `Process.run()` at a time in this test process. A clean-clone CI
    /// run crashed once inside Foundation's `Process.run()` (a memcpy past
    /// the end of a mapping) while the parallel suite launched several
    /// processes at once; launching is quick, so serialising it costs
    /// nothing measurable, and what runs afterwards stays parallel.
    private static let launching = NSLock()

    static func launch(_ process: Process) throws {
        launching.lock()
        defer { launching.unlock() }
        try process.run()
    }

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
        try CLI.launch(process)
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

/// `wenzheng serve` started as a process, once it has printed its URL.
struct RunningServer {
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()
    /// `http://127.0.0.1:PORT/`
    let base: String
    /// What it printed up to the URL line.
    let output: String

    /// - Parameter defaultMetrics: leave the metrics listener at its default
    ///   address (otherwise it is off, see below).
    init(_ arguments: [String], environment: [String: String] = [:], defaultMetrics: Bool = false) throws {
        process.executableURL = CLI.executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WENZHENG_") }
        // No metrics listener unless a test asks for one: servers started
        // side by side would all want the default 127.0.0.1:9464.
        if !defaultMetrics { env["WENZHENG_METRICS_ADDRESS"] = "off" }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = stdout
        process.standardError = stderr
        try CLI.launch(process)
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
