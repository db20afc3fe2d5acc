import ArgumentParser
import Logging
import WenzhengCore
import WenzhengServer

/// How the server is watched: where Prometheus scrapes it, and how its log
/// lines are written (docs/operations.md).
struct ServeOperationsOptions: ParsableArguments {
    @Option(
        name: .customLong("metrics-address"),
        help: ArgumentHelp(
            "Where GET /metrics (Prometheus) is served, apart from the public port; off disables it. Keep it on loopback or an intranet address only the scraper reaches. [env: WENZHENG_METRICS_ADDRESS, default: 127.0.0.1:9464]",
            valueName: "HOST:PORT"))
    var metricsAddress: String?

    @Option(
        name: .customLong("log-format"),
        help: "text (for a terminal) or json (one JSON object per line, for a log collector). [env: WENZHENG_LOG_FORMAT, default: text]")
    var logFormat: String?

    static let defaultMetricsAddress = "127.0.0.1:9464"

    enum LogFormat: String, CaseIterable {
        case text, json
    }

    func apply(to configuration: inout AppConfiguration, settings: ServeSettings) throws {
        let text = settings.text(metricsAddress, "metrics-address") ?? Self.defaultMetricsAddress
        if ["off", "none"].contains(text.lowercased()) {
            configuration.metricsAddress = nil
            return
        }
        let address: ListenAddress
        do {
            address = try ListenAddress(parsing: text)
        } catch {
            throw ValidationError("--metrics-address: \(error) (or off)")
        }
        if address.port != 0, address.port == configuration.port, address.host == configuration.host {
            throw ValidationError("--metrics-address \(address) is the public address; give the metrics their own port")
        }
        configuration.metricsAddress = address
    }

    func format(_ settings: ServeSettings) throws -> LogFormat {
        let text = settings.text(logFormat, "log-format") ?? LogFormat.text.rawValue
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            throw ValidationError("--log-format must be text or json, not '\(text)'")
        }
        return format
    }

    /// Sets the process's log handler. Text is swift-log's own handler on
    /// standard error; JSON lines go to standard error too.
    static func bootstrapLogging(_ format: LogFormat) {
        switch format {
        case .text: break
        case .json: LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        }
    }
}
