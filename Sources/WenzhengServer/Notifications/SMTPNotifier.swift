import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import WenzhengCore
import WenzhengStore

/// Hands notices to a mail server over SMTP (RFC 5321), one connection per
/// batch: plain SMTP to a relay, plain upgraded with `STARTTLS`, or TLS
/// from the start (`smtps`). Signs in with AUTH PLAIN (or LOGIN) when a
/// user is configured. Every reply is awaited for at most
/// `SMTPSettings.replyTimeout`, and the connection for at most
/// `connectTimeout`.
///
/// What a failure means (`NotifierFailure`):
/// - a `4xx` reply to `RCPT TO` or to the message: temporary, retried;
/// - a `5xx` reply to them, or a recipient that is not a plain address:
///   permanent, the notice is abandoned;
/// - no connection, a timeout, a broken connection, `421`, and refusals of
///   the server's own standing (the greeting, `EHLO`, `STARTTLS`, `AUTH`,
///   `MAIL FROM`): temporary and the end of the batch. They would refuse
///   every notice alike, and an operator fixes them (a password, a
///   certificate, the relay's rules), so the notices wait on the retry
///   schedule rather than being given up at the first refusal.
public struct SMTPNotifier: Notifier {
    let settings: SMTPSettings
    let tls: NIOSSLContext?
    let group: any EventLoopGroup
    let clock: any WallClock

    /// A `--smtp-ca-file` that cannot be read or holds no certificate.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(settings: SMTPSettings, clock: any WallClock, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.settings = settings
        self.clock = clock
        self.group = group
        guard settings.security != .plain else {
            tls = nil
            return
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile = settings.caFile {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !certificates.isEmpty else { throw ConfigurationError(description: "no certificate in it") }
                configuration.trustRoots = .certificates(certificates)
            } catch {
                throw ConfigurationError(description: "--smtp-ca-file: cannot read certificates from \(caFile): \(error)")
            }
        }
        tls = try NIOSSLContext(configuration: configuration)
    }

    public func withSession(_ body: (any NotifierSession) async throws -> Void) async throws {
        let channel: NIOAsyncChannel<SMTPReply, ByteBuffer>
        do {
            channel = try await connect()
        } catch {
            throw NotifierFailure.temporary(
                "cannot connect to \(settings.host):\(settings.port): \(SMTPConversation.describe(error))", endsSession: true)
        }
        let settings = self.settings
        let tls = self.tls
        let clock = self.clock
        try await channel.executeThenClose { inbound, outbound in
            try await withTaskCancellationHandler {
                let conversation = SMTPConversation(
                    channel: channel.channel, replies: inbound.makeAsyncIterator(), outbound: outbound, settings: settings, tls: tls,
                    clock: clock)
                try await conversation.open()
                try await body(conversation)
                await conversation.quit()
            } onCancel: {
                channel.channel.close(promise: nil)
            }
        }
    }

    /// The name sent for SNI and checked against the certificate; nil for
    /// an address, whose certificate is checked against the address.
    static func serverName(_ host: String) -> String? {
        IPAddress(host) == nil ? host : nil
    }

    private func connect() async throws -> NIOAsyncChannel<SMTPReply, ByteBuffer> {
        let tls = settings.security == .implicitTLS ? self.tls : nil
        let name = Self.serverName(settings.host)
        return try await ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(settings.connectTimeout))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyFramer())
                    return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }
}

/// One connection's dialogue. Lives inside `SMTPNotifier.withSession`'s
/// task; once something breaks the connection, every later `deliver`
/// fails the same way at once.
final class SMTPConversation: NotifierSession {
    private let channel: any Channel
    private var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let settings: SMTPSettings
    private let tls: NIOSSLContext?
    private let clock: any WallClock
    private var repliesRead = 0
    /// The `EHLO` keywords (`STARTTLS`, `AUTH`…) and AUTH mechanisms.
    private var extensions: Set<String> = []
    private var authMechanisms: Set<String> = []
    /// A transaction was started and not completed: `RSET` before the next.
    private var inTransaction = false
    private var broken: NotifierFailure?

    init(
        channel: any Channel, replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, settings: SMTPSettings, tls: NIOSSLContext?, clock: any WallClock
    ) {
        self.channel = channel
        self.replies = replies
        self.outbound = outbound
        self.settings = settings
        self.tls = tls
        self.clock = clock
    }

    // MARK: Opening

    /// Greeting, `EHLO`, `STARTTLS` and `EHLO` again, `AUTH`.
    func open() async throws {
        let greeting = try await exchange(nil, step: "the greeting")
        guard greeting.code == 220 else { throw fail("the server's greeting: \(greeting)") }
        try await hello()
        if settings.security == .startTLS {
            guard extensions.contains("STARTTLS") else { throw fail("the server does not offer STARTTLS") }
            let reply = try await exchange("STARTTLS", step: "STARTTLS")
            guard reply.code == 220 else { throw fail("STARTTLS refused: \(reply)") }
            try await startTLS()
            try await hello()
        }
        if let username = settings.username {
            try await authenticate(username: username, password: settings.password ?? "")
        }
    }

    private func hello() async throws {
        let reply = try await exchange("EHLO \(settings.heloName)", step: "EHLO")
        if reply.code == 250 {
            extensions = []
            authMechanisms = []
            for line in reply.lines.dropFirst() {
                let words = line.uppercased().split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
                guard let keyword = words.first else { continue }
                extensions.insert(keyword)
                if keyword == "AUTH" { authMechanisms.formUnion(words.dropFirst()) }
            }
            return
        }
        // A server from before ESMTP; only good enough without TLS or AUTH.
        guard [500, 502].contains(reply.code), settings.security == .plain, settings.username == nil else {
            throw fail("EHLO refused: \(reply)")
        }
        let helo = try await exchange("HELO \(settings.heloName)", step: "HELO")
        guard helo.code == 250 else { throw fail("HELO refused: \(helo)") }
    }

    private func startTLS() async throws {
        guard let context = tls else { throw fail("no TLS context") }
        let channel = self.channel
        let consumed = repliesRead
        let name = SMTPNotifier.serverName(settings.host)
        do {
            try await channel.eventLoop.submit {
                let framer = try channel.pipeline.syncOperations.handler(type: SMTPReplyFramer.self)
                guard !framer.holdsPartialInput, framer.repliesForwarded == consumed else {
                    throw SMTPProtocolError(description: "the server sent more after agreeing to STARTTLS")
                }
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: context, serverHostname: name), position: .first)
            }.get()
        } catch {
            throw fail("STARTTLS: \(Self.describe(error))")
        }
    }

    private func authenticate(username: String, password: String) async throws {
        guard
            settings.security != .plain
                || SMTPEndpoint(host: settings.host, port: settings.port, security: .plain, username: nil).isLoopback
        else { throw fail("will not send a password without TLS to \(settings.host)") }
        let reply: SMTPReply
        if authMechanisms.contains("PLAIN") {
            let credentials = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            reply = try await exchange("AUTH PLAIN \(credentials)", step: "AUTH PLAIN")
        } else if authMechanisms.contains("LOGIN") {
            var step = try await exchange("AUTH LOGIN", step: "AUTH LOGIN")
            if step.code == 334 { step = try await exchange(Data(username.utf8).base64EncodedString(), step: "AUTH LOGIN") }
            if step.code == 334 { step = try await exchange(Data(password.utf8).base64EncodedString(), step: "AUTH LOGIN") }
            reply = step
        } else {
            throw fail("the server offers no AUTH PLAIN or LOGIN (it offers: \(authMechanisms.sorted().joined(separator: " ")))")
        }
        guard reply.code == 235 else { throw fail("the server refused the sign-in as \(username): \(reply)") }
    }

    // MARK: Sending

    func deliver(_ message: OutboxMessage) async throws {
        if let broken { throw broken }
        guard let recipient = message.recipient, let to = MailAddress(recipient) else {
            throw NotifierFailure.permanent(
                "'\(message.recipient.map(MailAddress.masked) ?? "")' is not an e-mail address the notifier sends to")
        }
        if inTransaction {
            let reply = try await exchange("RSET", step: "RSET")
            guard reply.code == 250 else { throw fail("RSET refused: \(reply)") }
        }
        inTransaction = true
        let from = try await exchange("MAIL FROM:<\(settings.from.address)>", step: "MAIL FROM")
        // The sender is refused for every notice alike: the operator's to fix.
        guard from.code == 250 else { throw fail("MAIL FROM refused: \(from)") }
        try await transactionStep("RCPT TO:<\(to.address)>", step: "RCPT TO", expecting: 250...251)
        try await transactionStep("DATA", step: "DATA", expecting: 354...354)
        let mail = MailMessage(
            from: settings.from, to: to, subject: message.subject, body: message.body, date: clock.now(),
            messageID: Self.messageID(message, domain: settings.from.domain))
        try await transactionStep(MailEncoding.dotStuffed(mail.rendered()) + ".", step: "the message", expecting: 250...250)
        inTransaction = false
    }

    /// The same for every attempt at one notice, so a notice sent twice
    /// (docs/notifications.md, at least once) can be recognised as one.
    static func messageID(_ message: OutboxMessage, domain: String) -> String {
        "wenzheng.outbox.\(message.id ?? 0).\(Int(message.createdAt.timeIntervalSince1970))@\(domain)"
    }

    /// A command within a mail transaction: `4xx` temporary, `5xx`
    /// permanent for this notice; `421` and anything else end the session.
    private func transactionStep(_ line: String, step: String, expecting codes: ClosedRange<Int>) async throws {
        let reply = try await exchange(line, step: step)
        guard !codes.contains(reply.code) else { return }
        switch reply.code {
        case 421: throw fail("\(step): \(reply)")
        case 400..<500: throw NotifierFailure.temporary("\(step): \(reply)")
        case 500..<600: throw NotifierFailure.permanent("\(step): \(reply)")
        default: throw fail("unexpected reply to \(step): \(reply)")
        }
    }

    /// `QUIT`, waiting a little for the answer; the connection closes anyway.
    func quit() async {
        guard broken == nil else { return }
        _ = try? await exchange("QUIT", step: "QUIT", timeout: min(settings.replyTimeout, .seconds(5)))
    }

    // MARK: The wire

    /// Sends `line` (when given) and waits for the reply, all within the
    /// reply timeout: when it passes, the connection is closed, which ends
    /// the wait.
    private func exchange(_ line: String?, step: String, timeout: Duration? = nil) async throws -> SMTPReply {
        if let broken { throw broken }
        let timeout = timeout ?? settings.replyTimeout
        let timedOut = Flag()
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            timedOut.set()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            if let line { try await outbound.write(ByteBuffer(string: line + "\r\n")) }
            guard let reply = try await replies.next() else { throw SMTPProtocolError(description: "the server closed the connection") }
            repliesRead += 1
            return reply
        } catch {
            if timedOut.isSet { throw fail("no reply to \(step) within \(timeout)") }
            if Task.isCancelled { throw fail("cancelled during \(step)") }
            throw fail("\(step): \(Self.describe(error))")
        }
    }

    /// Marks the connection unusable; every later notice fails the same way.
    private func fail(_ reason: String) -> NotifierFailure {
        let failure = NotifierFailure.temporary(reason, endsSession: true)
        broken = failure
        return failure
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let failure as NotifierFailure: return failure.reason
        case let error as SMTPProtocolError: return error.description
        case let error as NIOConnectionError:
            return error.connectionErrors.first.map { "\($0.error)" } ?? (error.dnsAAAAError ?? error.dnsAError).map { "\($0)" }
                ?? "\(error)"
        case ChannelError.connectTimeout: return "connection timed out"
        case ChannelError.ioOnClosedChannel, ChannelError.eof, ChannelError.alreadyClosed: return "the server closed the connection"
        case let error as NIOSSLError: return "TLS: \(error)"
        default: return "\(error)"
        }
    }

    /// Set once, from the event loop, read from the task.
    private final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }
}
