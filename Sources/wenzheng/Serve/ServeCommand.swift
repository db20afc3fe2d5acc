import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import WenzhengCore
import WenzhengServer
import WenzhengStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Wenzheng web server.",
        discussion: "SIGINT or SIGTERM stops it gracefully: in-flight requests finish and the database is checkpointed.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on. [env: WENZHENG_HOST, default: 127.0.0.1]")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one. [env: WENZHENG_PORT, default: 8080]")
    var port: Int?

    @Option(help: "The Web/ folder (templates, static files); found automatically when run from the repository. [env: WENZHENG_WEB]")
    var web: String?

    @Flag(name: .customLong("secure-cookies"), help: "Mark cookies Secure (serve over TLS or behind a TLS proxy). [env: WENZHENG_SECURE_COOKIES=1]")
    var secureCookies = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. [env: WENZHENG_LOG_LEVEL, default: info]")
    var logLevel: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let host = self.host ?? environment["WENZHENG_HOST"] ?? "127.0.0.1"
        let portText = self.port.map(String.init) ?? environment["WENZHENG_PORT"] ?? "8080"
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ValidationError("port must be a number from 0 to 65535, not '\(portText)'")
        }
        let levelText = logLevel ?? environment["WENZHENG_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("unknown log level '\(levelText)'")
        }
        let webRoot = try WebRootLocator.locate(explicit: web ?? environment["WENZHENG_WEB"])
        let secure = secureCookies || environment["WENZHENG_SECURE_COOKIES"] == "1"

        var logger = Logger(label: "wenzheng")
        logger.logLevel = level
        let db = try database.open(logger: logger)
        let dbPath = URL(fileURLWithPath: database.resolvedPath).standardizedFileURL.path
        let hasAdmin = try await db.staffUsers().contains { $0.role == .admin && !$0.disabled }

        let configuration = AppConfiguration(
            host: host, port: port, webRoot: webRoot, secureCookies: secure, logLevel: level)
        let app = try await buildApplication(
            AppDependencies(configuration: configuration, database: db, logger: logger),
            onServerRunning: { address in
                let boundPort = address?.port ?? port
                let shownHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
                var lines = [
                    "Wenzheng 问政 is running.",
                    "  Open http://\(shownHost):\(boundPort)/ in a browser (staff sign in at /login).",
                    "  Database: \(dbPath) (SQLite, WAL, synchronous=FULL)",
                    "  Web files: \(webRoot)",
                ]
                if !hasAdmin {
                    lines.append("  No admin account yet. Create one in another terminal:")
                    lines.append("    swift run wenzheng users add admin --role admin --db \(dbPath)")
                }
                lines.append("  Stop with Ctrl-C.")
                // Unbuffered, so a supervisor or test reading a pipe sees it now.
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            })
        try await app.runService()
        print("Wenzheng stopped.")
    }
}

/// Finds the Web/ folder when none is configured: next to the current
/// directory, or above the executable (which `swift build` puts in
/// `.build/<triple>/debug/` inside the repository).
enum WebRootLocator {
    static func locate(explicit: String?) throws -> String {
        let fileManager = FileManager.default
        func isWebRoot(_ url: URL) -> Bool {
            fileManager.fileExists(atPath: url.appendingPathComponent("templates/layout.mustache").path)
        }
        if let explicit {
            let url = URL(fileURLWithPath: explicit).standardizedFileURL
            guard isWebRoot(url) else {
                throw ValidationError("--web \(explicit) is not a Wenzheng Web/ folder (no templates/layout.mustache)")
            }
            return url.path
        }
        var candidates = [URL(fileURLWithPath: fileManager.currentDirectoryPath).appendingPathComponent("Web")]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.appendingPathComponent("Web"))
            directory = directory.deletingLastPathComponent()
        }
        if let found = candidates.first(where: isWebRoot) {
            return found.standardizedFileURL.path
        }
        throw ValidationError("cannot find the Web/ folder; pass --web PATH or set WENZHENG_WEB")
    }
}
