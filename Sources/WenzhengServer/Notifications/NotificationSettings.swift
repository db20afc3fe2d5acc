import Foundation
import WenzhengCore

/// How the server sends the outbox (`AppConfiguration.notifications`).
public struct NotificationSettings: Sendable {
    /// How often the outbox is read for notices that are due.
    public var interval: Duration = .seconds(30)
    /// Notices read and sent in one pass, over one SMTP connection.
    public var batchSize = 50
    /// When a failed notice is tried again, and when it is abandoned.
    public var retry = RetrySchedule.standard
    /// The mail server; nil sends every notice to the log (`LogNotifier`).
    public var smtp: SMTPSettings?

    public init(interval: Duration = .seconds(30), smtp: SMTPSettings? = nil) {
        self.interval = interval
        self.smtp = smtp
    }
}

/// A mail server to hand notices to, and how to talk to it.
public struct SMTPSettings: Sendable, CustomStringConvertible {
    public enum Security: String, Sendable, Equatable {
        /// Plain SMTP: a relay on this machine or the office network.
        case plain
        /// Plain SMTP upgraded with `STARTTLS` before anything else is sent;
        /// a server that does not offer it is not used.
        case startTLS
        /// TLS from the first byte (`smtps`, port 465).
        case implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    /// Signs in with AUTH PLAIN (or LOGIN when only that is offered) when set.
    public var username: String?
    /// Never printed: `description` leaves it out.
    public var password: String?
    /// The envelope sender and the `From` header.
    public var from: MailAddress
    /// The name given in `EHLO`: this machine's host name unless configured.
    public var heloName: String
    /// PEM certificates trusted for TLS instead of the system's roots (an
    /// office's own certificate authority).
    public var caFile: String?
    public var connectTimeout: Duration = .seconds(10)
    /// How long to wait for each reply (and for each command to be written).
    public var replyTimeout: Duration = .seconds(60)

    public init(
        host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, from: MailAddress,
        heloName: String, caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.heloName = heloName
        self.caFile = caFile
    }

    /// `smtp://noreply@mail.example.cn:587 (STARTTLS)`, without the password.
    public var description: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let user = username.map { "\($0.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? $0)@" } ?? ""
        let mode = security == .startTLS ? " (STARTTLS)" : security == .implicitTLS ? " (TLS)" : ""
        return "\(scheme)://\(user)\(host):\(port)\(mode)"
    }
}

/// The parts of `--smtp-url`: `smtp://[user@]host[:port][?starttls]` or
/// `smtps://[user@]host[:port]`. A URL with a password is refused: a
/// password on the command line is visible to every user of the machine
/// (`ps`) and stays in shell histories.
public struct SMTPEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var security: SMTPSettings.Security
    public var username: String?

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notAnSMTPURL(String)
        case containsPassword
        case unknownParameter(String)

        public var description: String {
            switch self {
            case .notAnSMTPURL(let text):
                "'\(text)' is not an SMTP URL; write smtp://mail.example.cn:25, smtp://user@mail.example.cn:587?starttls or smtps://user@mail.example.cn"
            case .containsPassword:
                "the URL must not contain a password (it would show in the process list); give it in WENZHENG_SMTP_PASSWORD or --smtp-password-file"
            case .unknownParameter(let name):
                "unknown parameter '\(name)'; the only one is ?starttls"
            }
        }
    }

    public init(host: String, port: Int, security: SMTPSettings.Security, username: String?) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
    }

    public init(parsing text: String) throws(ParseError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty,
            components.path.isEmpty || components.path == "/", components.fragment == nil
        else { throw .notAnSMTPURL(text) }
        guard components.password == nil else { throw .containsPassword }
        var startTLS = false
        for item in components.queryItems ?? [] {
            guard item.name.lowercased() == "starttls", item.value == nil || item.value == "" || item.value == "1" || item.value == "true"
            else {
                throw .unknownParameter(item.name)
            }
            startTLS = true
        }
        if scheme == "smtps" && startTLS { throw .notAnSMTPURL(text) }
        self.security = scheme == "smtps" ? .implicitTLS : startTLS ? .startTLS : .plain
        let defaultPort = scheme == "smtps" ? 465 : startTLS ? 587 : 25
        guard let port = components.port ?? Optional(defaultPort), (1...65535).contains(port) else { throw .notAnSMTPURL(text) }
        self.port = port
        // An IPv6 literal comes with its brackets.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let user = components.percentEncodedUser?.removingPercentEncoding
        self.username = user?.isEmpty == false ? user : nil
    }

    /// Whether the host is this machine (a loopback address or
    /// `localhost`), where a password may travel without TLS.
    public var isLoopback: Bool {
        if host.lowercased() == "localhost" { return true }
        guard let address = IPAddress(host) else { return false }
        return address.isIPv4 ? address.value & 0xFF00_0000 == 0x7F00_0000 : address.value == 1
    }
}
