import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import WenzhengCore
import WenzhengServer
import WenzhengStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Wenzheng web server.",
        discussion: """
            Every option has an environment variable; the option wins. Durations are a number and a unit \
            (250ms, 20s, 10m, 1h30m); limits are a count in a window (5/10m). SIGINT or SIGTERM stops the \
            server gracefully: in-flight requests finish and the database is checkpointed.

            Examples:
              wenzheng serve
              wenzheng serve --db /srv/wenzheng/var/wenzheng.sqlite --port 8080 \\
                  --secure-cookies --trusted-proxy 127.0.0.1 \\
                  --smtp-url "smtp://notice@mail.sft.example.cn:587?starttls" \\
                  --mail-from "江苏省司法厅 <noreply@sft.example.cn>" \\
                  --smtp-password-file /etc/wenzheng/smtp-password
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on. [env: WENZHENG_HOST, default: 127.0.0.1]")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one. [env: WENZHENG_PORT, default: 8080]")
    var port: Int?

    @Option(help: "The Web/ folder (templates, static files); found automatically when run from the repository. [env: WENZHENG_WEB]")
    var web: String?

    @OptionGroup var moderation: ModerationOptions

    @Flag(
        name: .customLong("secure-cookies"),
        help: "Mark cookies Secure (serve over TLS or behind a TLS proxy). [env: WENZHENG_SECURE_COOKIES=1]")
    var secureCookies = false

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A reverse proxy (CIDR range or address) whose X-Forwarded-For or Forwarded header names the client; repeat for several. [env: WENZHENG_TRUSTED_PROXIES, comma-separated; default: none]",
            valueName: "CIDR"))
    var trustedProxies: [String] = []

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical. [env: WENZHENG_LOG_LEVEL, default: info]")
    var logLevel: String?

    @Option(
        name: .customLong("attachments"),
        help:
            "Folder for letters' attachments, outside the web root; back it up with the database. [env: WENZHENG_ATTACHMENTS, default: attachments/ beside the database]"
    )
    var attachments: String?

    @Flag(
        name: .customLong("require-identity-proof"),
        help: "An information-disclosure request must carry a proof of identity (art. 29). [env: WENZHENG_REQUIRE_IDENTITY_PROOF=1]")
    var requireIdentityProof = false

    @OptionGroup(title: "Intervals") var intervals: ServeIntervalOptions

    @OptionGroup(title: "Limits") var limits: ServeLimitOptions

    @OptionGroup(title: "Notices (outbox)") var mail: ServeMailOptions
    @OptionGroup(title: "Letter notices") var letterNotices: ServeLetterNoticeOptions
    @OptionGroup(title: "Annual plan") var plan: ServePlanOptions
    @OptionGroup(title: "Metrics and logs") var operations: ServeOperationsOptions
    @OptionGroup(title: "Retention of personal data") var retention: ServeRetentionOptions

    /// Every option, else its environment variable, else the default.
    func appConfiguration(_ settings: ServeSettings) throws -> AppConfiguration {
        let host = settings.text(self.host, "host") ?? "127.0.0.1"
        let portText = settings.text(self.port.map(String.init), "port") ?? "8080"
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ValidationError("port must be a number from 0 to 65535, not '\(portText)'")
        }
        let levelText = settings.text(logLevel, "log-level") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("unknown log level '\(levelText)'")
        }
        var configuration = AppConfiguration(host: host, port: port, webRoot: "", logLevel: level)
        try intervals.apply(to: &configuration, settings: settings)
        try limits.apply(to: &configuration, settings: settings)
        try mail.apply(to: &configuration, settings: settings)
        try letterNotices.apply(to: &configuration, settings: settings)
        try plan.apply(to: &configuration, settings: settings)
        try operations.apply(to: &configuration, settings: settings)
        try retention.apply(to: &configuration, settings: settings)
        configuration.trustedProxies = try settings.trustedProxies(trustedProxies)
        configuration.webRoot = try FolderLocator.locate(
            "Web", marker: "templates/layout.mustache", explicit: settings.text(web, "web"), option: "--web",
            variable: "WENZHENG_WEB")
        configuration.secureCookies = settings.flag(secureCookies, "secure-cookies")
        configuration.requireIdentityProof = settings.flag(requireIdentityProof, "require-identity-proof")
        let databaseFolder = URL(fileURLWithPath: database.resolvedPath).standardizedFileURL.deletingLastPathComponent()
        configuration.attachmentsDirectory =
            settings.text(attachments, "attachments")
            .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            ?? databaseFolder.appendingPathComponent("attachments").path
        return configuration
    }

    /// `letters' personal fields erased 3 years after closing, open-day registrations deleted 1 year after the day`
    static func retentionSummary(_ policy: RetentionPolicy) -> String {
        let letters = policy.letterPersonalYears.map { "letters' personal fields erased \($0) year(s) after closing" }
            ?? "letters' personal fields kept"
        let registrations = policy.registrationPersonalYears.map { "open-day registrations deleted \($0) year(s) after the day" }
            ?? "open-day registrations kept"
        return "\(letters), \(registrations) (docs/privacy.md)"
    }

    func run() async throws {
        let settings = ServeSettings(environment: ProcessInfo.processInfo.environment)
        let configuration = try appConfiguration(settings)
        ServeOperationsOptions.bootstrapLogging(try operations.format(settings))
        let library = try moderation.load()
        var logger = Logger(label: "wenzheng")
        logger.logLevel = configuration.logLevel
        let db = try await database.open(logger: logger, noticeLinks: configuration.noticeLinks)
        let location = try database.location()
        let databaseLine: String
        let databaseOption: String
        switch location {
        case .sqliteFile:
            let path = URL(fileURLWithPath: database.resolvedPath).standardizedFileURL.path
            databaseLine = "\(path) (SQLite, WAL, synchronous=FULL)"
            databaseOption = "--db \(path)"
        case .postgres(let postgres):
            databaseLine = "\(postgres) (PostgreSQL; other nodes may share it)"
            databaseOption = "--database '\(postgres)'"
        }
        let hasAdmin = try await db.accounts.staffUsers().contains { $0.role == .admin && !$0.disabled }

        let app = try await buildApplication(
            AppDependencies(configuration: configuration, database: db, moderation: library, logger: logger),
            onServerRunning: { address in
                let boundPort = address?.port ?? configuration.port
                let host = configuration.host
                let shownHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
                var lines = [
                    "Wenzheng 问政 is running.",
                    "  Open http://\(shownHost):\(boundPort)/ in a browser (staff sign in at /login).",
                    "  Database: \(databaseLine)",
                    "  Attachments: \(configuration.attachmentsDirectory ?? "")",
                    "  Web files: \(configuration.webRoot)",
                    "  Moderation data: \(library.directory) (\(library.filter.termCount) terms; reload with SIGHUP)",
                ]
                if let smtp = configuration.notifications.smtp {
                    lines.append("  Notices: e-mail through \(smtp), from \(smtp.from)")
                } else {
                    lines.append("  Notices: written to the log (no --smtp-url)")
                }
                if let metrics = configuration.metricsAddress {
                    let reach = metrics.isLoopback ? "this machine only" : "not loopback: firewall it to the scraper"
                    lines.append("  Metrics: http://\(metrics)/metrics (Prometheus; \(reach))")
                } else {
                    lines.append("  Metrics: off")
                }
                lines.append(
                    "  Letter notices link to \(configuration.noticeLinks.base); daily digest: "
                        + (configuration.letterDigest.map { "\($0) Beijing time on working days" } ?? "off"))
                lines.append("  Personal data: \(Self.retentionSummary(configuration.retention))")
                if !configuration.trustedProxies.isEmpty {
                    lines.append(
                        "  Trusted proxies: \(configuration.trustedProxies.map(\.description).joined(separator: ", ")) (client address from X-Forwarded-For or Forwarded)"
                    )
                }
                if !hasAdmin {
                    lines.append("  No admin account yet. Create one in another terminal:")
                    lines.append("    swift run wenzheng users add admin --role admin \(databaseOption)")
                }
                lines.append("  Stop with Ctrl-C.")
                // Unbuffered, so a supervisor or test reading a pipe sees it now.
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            })
        // The application and the deadline of its graceful stop, stopped
        // together by SIGTERM or SIGINT (as `runService()` would).
        let group = ServiceGroup(
            configuration: .init(
                services: [app, StopDeadline(limit: StopDeadline.defaultLimit, logger: logger)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        // Every service has stopped; only the connections are left to close.
        if !(await db.close(within: .seconds(3))) {
            logger.warning("the database connections did not close within 3 s; leaving them to the exit")
        }
        print("Wenzheng stopped.")
    }
}
