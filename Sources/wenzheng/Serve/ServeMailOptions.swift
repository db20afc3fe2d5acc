import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengServer

/// How notices in the outbox leave the server (docs/notifications.md).
/// Without `--smtp-url` they are written to the log. Each setting comes
/// from its option, else its environment variable, else the
/// `--smtp-config` file, else its default.
///
/// The password is never an option: it comes from `WENZHENG_SMTP_PASSWORD`,
/// a password file or the configuration file, and a file that holds it must
/// not be readable by group or others.
struct ServeMailOptions: ParsableArguments {
    @Option(
        name: .customLong("smtp-url"),
        help: ArgumentHelp(
            "Mail server for notices: smtp://host:25 (a relay), smtp://user@host:587?starttls or smtps://user@host:465; never with a password. [env: WENZHENG_SMTP_URL, default: none, notices are logged]",
            valueName: "URL"))
    var url: String?

    @Option(
        name: .customLong("mail-from"),
        help: ArgumentHelp(
            "Sender of notices, e.g. \"江苏省司法厅 <noreply@sft.example.cn>\"; required with --smtp-url. [env: WENZHENG_MAIL_FROM]",
            valueName: "ADDRESS"))
    var from: String?

    @Option(
        name: .customLong("smtp-password-file"),
        help: ArgumentHelp(
            "File holding the SMTP password (one line), readable by its owner only; or set WENZHENG_SMTP_PASSWORD. [env: WENZHENG_SMTP_PASSWORD_FILE]",
            valueName: "PATH"))
    var passwordFile: String?

    /// Refused with a message: a password on the command line shows in the
    /// process list.
    @Option(name: .customLong("smtp-password"), help: ArgumentHelp(visibility: .hidden))
    var passwordInArguments: String?

    @Option(
        name: .customLong("smtp-config"),
        help: ArgumentHelp(
            "File of mail settings, one 'name = value' a line, named as these options (smtp-url, mail-from, smtp-password…). [env: WENZHENG_SMTP_CONFIG]",
            valueName: "PATH"))
    var configFile: String?

    @Option(
        name: .customLong("smtp-ca-file"),
        help: ArgumentHelp(
            "PEM certificates to trust for the mail server's TLS instead of the system's. [env: WENZHENG_SMTP_CA_FILE]", valueName: "PATH"))
    var caFile: String?

    @Option(
        name: .customLong("smtp-helo"),
        help: ArgumentHelp("Name given in EHLO. [env: WENZHENG_SMTP_HELO, default: this machine's host name]", valueName: "NAME"))
    var helo: String?

    @Option(
        name: .customLong("smtp-timeout"),
        help: ArgumentHelp("How long to wait for each reply of the mail server. [env: WENZHENG_SMTP_TIMEOUT, default: 1m]", valueName: "D"))
    var timeout: String?

    /// The names a `--smtp-config` file may set.
    static let fileKeys: Set<String> = [
        "smtp-url", "mail-from", "smtp-password", "smtp-password-file", "smtp-ca-file", "smtp-helo", "smtp-timeout",
    ]

    func apply(to configuration: inout AppConfiguration, settings: ServeSettings) throws {
        if passwordInArguments != nil {
            throw ValidationError(
                "--smtp-password is not accepted: a password on the command line shows in the process list; set WENZHENG_SMTP_PASSWORD or use --smtp-password-file"
            )
        }
        let file = try settings.text(configFile, "smtp-config").map(Self.readConfigFile) ?? [:]
        func text(_ option: String?, _ name: String) -> String? {
            (settings.text(option, name) ?? file[name]).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let urlText = text(url, "smtp-url") else { return }
        let endpoint: SMTPEndpoint
        do {
            endpoint = try SMTPEndpoint(parsing: urlText)
        } catch {
            throw ValidationError("--smtp-url: \(error)")
        }
        guard let fromText = text(from, "mail-from") else {
            throw ValidationError("--mail-from is required with --smtp-url: the address notices are sent from")
        }
        let sender: MailAddress
        do {
            sender = try MailAddress(parsing: fromText)
        } catch {
            throw ValidationError("--mail-from: \(error)")
        }
        let password = try readPassword(settings: settings, file: file)
        switch (endpoint.username, password) {
        case (let user?, nil):
            throw ValidationError(
                "--smtp-url names the user \(user) but no password is given: set WENZHENG_SMTP_PASSWORD or use --smtp-password-file")
        case (nil, .some):
            throw ValidationError("an SMTP password is given but --smtp-url names no user: write smtp://user@host")
        case (.some, .some) where endpoint.security == .plain && !endpoint.isLoopback:
            throw ValidationError(
                "--smtp-url: signing in over plain SMTP would send the password in clear to \(endpoint.host); add ?starttls or use smtps://"
            )
        default:
            break
        }
        let heloName = text(helo, "smtp-helo") ?? ProcessInfo.processInfo.hostName
        guard !heloName.isEmpty, heloName.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw ValidationError("--smtp-helo: '\(heloName)' is not a host name")
        }
        let caPath = text(caFile, "smtp-ca-file")
        if let caPath, !FileManager.default.isReadableFile(atPath: caPath) {
            throw ValidationError("--smtp-ca-file: cannot read \(caPath)")
        }
        var smtp = SMTPSettings(
            host: endpoint.host, port: endpoint.port, security: endpoint.security, username: endpoint.username, password: password,
            from: sender, heloName: heloName, caFile: caPath)
        if let timeoutText = text(timeout, "smtp-timeout") {
            smtp.replyTimeout = try ServeSettings.Reader<Duration>.duration.read(timeoutText, "smtp-timeout")
        }
        configuration.notifications.smtp = smtp
    }

    /// `--smtp-password-file` (or its variable), else
    /// `WENZHENG_SMTP_PASSWORD`, else the configuration file's.
    private func readPassword(settings: ServeSettings, file: [String: String]) throws -> String? {
        if let path = settings.text(passwordFile, "smtp-password-file") ?? file["smtp-password-file"] {
            let text = try Self.readPrivateFile(path, option: "--smtp-password-file")
            let password = text.hasSuffix("\r\n") ? String(text.dropLast(2)) : text.hasSuffix("\n") ? String(text.dropLast()) : text
            guard !password.isEmpty, !password.contains(where: \.isNewline) else {
                throw ValidationError("--smtp-password-file: \(path) must hold the password on one line")
            }
            return password
        }
        if let password = settings.environment["WENZHENG_SMTP_PASSWORD"], !password.isEmpty { return password }
        return file["smtp-password"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A file's text, refused when group or others may read it.
    static func readPrivateFile(_ path: String, option: String) throws -> String {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ValidationError("\(option): cannot read \(path)")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        guard mode & 0o077 == 0 else {
            throw ValidationError(
                "\(option): \(path) may be read by group or others (mode \(String(mode, radix: 8))); run chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(option): cannot read \(path)") }
        guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("\(option): \(path) is not UTF-8 text") }
        return text
    }

    /// A `--smtp-config` file: `name = value` lines, `#` comments, values
    /// optionally in double quotes. A file that holds a password must be
    /// private, like a password file.
    static func readConfigFile(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("--smtp-config: cannot read \(path)")
        }
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ValidationError("--smtp-config: \(path) line \(index + 1): write name = value")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard fileKeys.contains(name) else {
                throw ValidationError(
                    "--smtp-config: \(path) line \(index + 1): unknown setting '\(name)'; known: \(fileKeys.sorted().joined(separator: ", "))"
                )
            }
            guard values[name] == nil else { throw ValidationError("--smtp-config: \(path) line \(index + 1): '\(name)' is set twice") }
            values[name] = value
        }
        if values["smtp-password"] != nil { _ = try readPrivateFile(path, option: "--smtp-config") }
        return values
    }
}
