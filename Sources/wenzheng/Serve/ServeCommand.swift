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

    @OptionGroup var moderation: ModerationOptions

    @Flag(name: .customLong("secure-cookies"), help: "Mark cookies Secure (serve over TLS or behind a TLS proxy). [env: WENZHENG_SECURE_COOKIES=1]")
    var secureCookies = false

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A reverse proxy (CIDR range or address) whose X-Forwarded-For or Forwarded header names the client; repeat for several. [env: WENZHENG_TRUSTED_PROXIES, comma-separated; default: none]",
            valueName: "CIDR"))
    var trustedProxies: [String] = []

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. [env: WENZHENG_LOG_LEVEL, default: info]")
    var logLevel: String?

    @Option(name: .customLong("viewer-count-interval"), help: "How often interview rooms send their viewer count, e.g. 2s or 500ms. [env: WENZHENG_VIEWER_COUNT_INTERVAL, default: 2s]")
    var viewerCountInterval: String?

    @Option(
        name: .customLong("max-viewer-sockets-per-address"),
        help: ArgumentHelp(
            "Interview viewer sockets one client address may hold open; more are refused at the handshake. [env: WENZHENG_MAX_VIEWER_SOCKETS_PER_ADDRESS, default: 2000]",
            valueName: "N"))
    var maxViewerSocketsPerAddress: String?

    @Option(name: .customLong("attachments"), help: "Folder for letters' attachments, outside the web root; back it up with the database. [env: WENZHENG_ATTACHMENTS, default: attachments/ beside the database]")
    var attachments: String?

    @Flag(name: .customLong("require-identity-proof"), help: "An information-disclosure request must carry a proof of identity (art. 29). [env: WENZHENG_REQUIRE_IDENTITY_PROOF=1]")
    var requireIdentityProof = false

    @Option(name: .customLong("heartbeat-interval"), help: "How often interview rooms send a ping frame. [env: WENZHENG_HEARTBEAT_INTERVAL, default: 20s]")
    var heartbeatInterval: String?

    @Option(name: .customLong("overdue-sweep-interval"), help: "How often open letters are checked for passed deadlines. [env: WENZHENG_OVERDUE_SWEEP_INTERVAL, default: 10m]")
    var overdueSweepInterval: String?

    /// A duration option: the option, else its environment variable, else
    /// the default; at least 10 ms.
    static func duration(_ option: String?, variable: String, name: String, default value: Duration) throws -> Duration {
        guard let text = option ?? ProcessInfo.processInfo.environment[variable] else { return value }
        let duration: Duration
        do {
            duration = try DurationText.parse(text)
        } catch {
            throw ValidationError("--\(name): \(error.description)")
        }
        guard duration >= .milliseconds(10) else { throw ValidationError("--\(name) must be at least 10ms, not '\(text)'") }
        return duration
    }

    /// `--trusted-proxy` (repeated), else `WENZHENG_TRUSTED_PROXIES`.
    static func trustedProxies(_ options: [String], environment: String?) throws -> [IPNetwork] {
        let texts = options.isEmpty ? (environment ?? "").split(separator: ",").map(String.init) : options
        var networks: [IPNetwork] = []
        for text in texts where !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                networks.append(try IPNetwork(parsing: text))
            } catch {
                throw ValidationError("--trusted-proxy: \(error.description)")
            }
        }
        return networks
    }

    /// `--max-viewer-sockets-per-address`, else its environment variable,
    /// else the default: a whole number from 1.
    static func viewerSocketLimit(_ option: String?, environment: String?, default value: Int) throws -> Int {
        guard let text = option ?? environment else { return value }
        guard let limit = Int(text.trimmingCharacters(in: .whitespaces)), (1...1_000_000).contains(limit) else {
            throw ValidationError("--max-viewer-sockets-per-address must be a whole number from 1 to 1000000, not '\(text)'")
        }
        return limit
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let defaults = AppConfiguration(webRoot: "")
        let viewerCountInterval = try Self.duration(
            self.viewerCountInterval, variable: "WENZHENG_VIEWER_COUNT_INTERVAL", name: "viewer-count-interval",
            default: defaults.viewerCountInterval)
        let heartbeatInterval = try Self.duration(
            self.heartbeatInterval, variable: "WENZHENG_HEARTBEAT_INTERVAL", name: "heartbeat-interval",
            default: defaults.heartbeatInterval)
        let overdueSweepInterval = try Self.duration(
            self.overdueSweepInterval, variable: "WENZHENG_OVERDUE_SWEEP_INTERVAL", name: "overdue-sweep-interval",
            default: defaults.overdueSweepInterval)
        let maxViewerSockets = try Self.viewerSocketLimit(
            maxViewerSocketsPerAddress, environment: environment["WENZHENG_MAX_VIEWER_SOCKETS_PER_ADDRESS"],
            default: defaults.maxViewerSocketsPerAddress)
        let trustedProxies = try Self.trustedProxies(self.trustedProxies, environment: environment["WENZHENG_TRUSTED_PROXIES"])
        let host = self.host ?? environment["WENZHENG_HOST"] ?? "127.0.0.1"
        let portText = self.port.map(String.init) ?? environment["WENZHENG_PORT"] ?? "8080"
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ValidationError("port must be a number from 0 to 65535, not '\(portText)'")
        }
        let levelText = logLevel ?? environment["WENZHENG_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("unknown log level '\(levelText)'")
        }
        let webRoot = try FolderLocator.locate(
            "Web", marker: "templates/layout.mustache", explicit: web ?? environment["WENZHENG_WEB"], option: "--web",
            variable: "WENZHENG_WEB")
        let library = try moderation.load()
        let secure = secureCookies || environment["WENZHENG_SECURE_COOKIES"] == "1"

        var logger = Logger(label: "wenzheng")
        logger.logLevel = level
        let db = try database.open(logger: logger)
        let dbPath = URL(fileURLWithPath: database.resolvedPath).standardizedFileURL.path
        let hasAdmin = try await db.accounts.staffUsers().contains { $0.role == .admin && !$0.disabled }

        var configuration = AppConfiguration(
            host: host, port: port, webRoot: webRoot, secureCookies: secure, logLevel: level)
        configuration.trustedProxies = trustedProxies
        configuration.maxViewerSocketsPerAddress = maxViewerSockets
        configuration.viewerCountInterval = viewerCountInterval
        configuration.heartbeatInterval = heartbeatInterval
        configuration.overdueSweepInterval = overdueSweepInterval
        configuration.attachmentsDirectory = (attachments ?? environment["WENZHENG_ATTACHMENTS"])
            .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            ?? URL(fileURLWithPath: dbPath).deletingLastPathComponent().appendingPathComponent("attachments").path
        configuration.requireIdentityProof = requireIdentityProof || environment["WENZHENG_REQUIRE_IDENTITY_PROOF"] == "1"
        let attachmentsPath = configuration.attachmentsDirectory ?? ""
        let app = try await buildApplication(
            AppDependencies(configuration: configuration, database: db, moderation: library, logger: logger),
            onServerRunning: { address in
                let boundPort = address?.port ?? port
                let shownHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
                var lines = [
                    "Wenzheng 问政 is running.",
                    "  Open http://\(shownHost):\(boundPort)/ in a browser (staff sign in at /login).",
                    "  Database: \(dbPath) (SQLite, WAL, synchronous=FULL)",
                    "  Attachments: \(attachmentsPath)",
                    "  Web files: \(webRoot)",
                    "  Moderation data: \(library.directory) (\(library.filter.termCount) terms; reload with SIGHUP)",
                ]
                if !trustedProxies.isEmpty {
                    lines.append(
                        "  Trusted proxies: \(trustedProxies.map(\.description).joined(separator: ", ")) (client address from X-Forwarded-For or Forwarded)")
                }
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

