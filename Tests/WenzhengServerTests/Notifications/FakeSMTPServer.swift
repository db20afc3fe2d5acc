import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A mail server for the notifier's tests, written on swift-nio: it listens
/// on 127.0.0.1 and a free port, answers as its script says and records
/// the dialogue (every line it read, the mails it took, the connections).
final class FakeSMTPServer: Sendable {
    struct Script: Sendable {
        var greeting = "220 fake.example.cn ESMTP"
        /// Offers STARTTLS (before TLS) with the test certificate.
        var offersStartTLS = false
        /// TLS from the first byte (smtps).
        var implicitTLS = false
        var authMechanisms: [String] = []
        /// The one user and password AUTH accepts.
        var credentials: (user: String, password: String)?
        /// Replies to `RCPT TO` by address; others get `250`.
        var recipientReplies: [String: String] = [:]
        /// The reply after the message's final dot.
        var messageReply = "250 2.0.0 queued"
        /// A command (`MAIL`, `RCPT`, `DATA`…) the server reads and never answers.
        var silentOn: String?
        /// Sent right after the `220` to STARTTLS, in plain: an attack
        /// that would have the client take it as a reply over TLS.
        var injectedAfterStartTLS: String?
    }

    /// A mail as the server took it.
    struct Mail: Sendable {
        var from: String
        var recipients: [String]
        /// The lines between `DATA` and the final dot, as on the wire (dot-stuffed).
        var wireLines: [String]
        /// The message text after un-stuffing, lines joined with CRLF.
        var text: String
    }

    struct Record: Sendable {
        /// `C: …` for what the client sent (outside the message), `S: …` for replies.
        var dialogue: [String] = []
        var mails: [Mail] = []
        var connections = 0
        /// The commands read while TLS was on.
        var overTLS: [String] = []
    }

    let port: Int
    private let record = Mutex(Record())
    private let script: Mutex<Script>
    private let listener: NIOAsyncChannel<NIOAsyncChannel<String, ByteBuffer>, Never>
    private let accepting: Mutex<Task<Void, Never>?> = Mutex(nil)

    var recorded: Record { record.withLock { $0 } }
    var mails: [Mail] { recorded.mails }
    /// The client's commands, without the `C: `.
    var commands: [String] { recorded.dialogue.filter { $0.hasPrefix("C: ") }.map { String($0.dropFirst(3)) } }

    func change(_ edit: (inout Script) -> Void) { script.withLock { edit(&$0) } }

    private init(script: Script, listener: NIOAsyncChannel<NIOAsyncChannel<String, ByteBuffer>, Never>) {
        self.script = Mutex(script)
        self.listener = listener
        self.port = listener.channel.localAddress!.port!
    }

    static func start(_ script: Script = Script()) async throws -> FakeSMTPServer {
        let tls = try TestCertificate.serverContext()
        let implicitTLS = script.implicitTLS
        let listener = try await ServerBootstrap(group: notifierTestLoops)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let server = FakeSMTPServer(script: script, listener: listener)
        let task = Task {
            _ = try? await listener.executeThenClose { connections in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in connections {
                            group.addTask { await server.serve(connection, tls: tls) }
                        }
                    } catch {}
                }
            }
        }
        server.accepting.withLock { $0 = task }
        return server
    }

    /// Closes the listener and every connection.
    func stop() async {
        try? await listener.channel.close()
        let task = accepting.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    private func log(_ line: String) { record.withLock { $0.dialogue.append(line) } }

    private func serve(_ connection: NIOAsyncChannel<String, ByteBuffer>, tls: NIOSSLContext) async {
        record.withLock { $0.connections += 1 }
        let channel = connection.channel
        var tlsOn = script.withLock { $0.implicitTLS }
        await withTaskCancellationHandler {
            try? await connection.executeThenClose { inbound, outbound in
                func send(_ lines: String...) async throws {
                    for line in lines { log("S: \(line)") }
                    try await outbound.write(ByteBuffer(string: lines.map { $0 + "\r\n" }.joined()))
                }
                var lines = inbound.makeAsyncIterator()
                func readCredential() async throws -> String {
                    let line = try await lines.next() ?? ""
                    log("C: \(line)")
                    return Data(base64Encoded: line).map { String(decoding: $0, as: UTF8.self) } ?? ""
                }
                try await send(script.withLock { $0.greeting })
                var mail: (from: String, recipients: [String])?
                while let line = try await lines.next() {
                    log("C: \(line)")
                    let script = self.script.withLock { $0 }
                    let verb =
                        String(line.split(separator: " ").first ?? "").uppercased().split(separator: ":").first.map(String.init) ?? ""
                    if tlsOn { record.withLock { $0.overTLS.append(verb) } }
                    if verb == script.silentOn {
                        // Read on, answer nothing.
                        while try await lines.next() != nil {}
                        return
                    }
                    switch verb {
                    case "EHLO":
                        var reply = ["250-fake.example.cn greets \(line.dropFirst(5))"]
                        if script.offersStartTLS && !tlsOn { reply.append("250-STARTTLS") }
                        if !script.authMechanisms.isEmpty { reply.append("250-AUTH " + script.authMechanisms.joined(separator: " ")) }
                        reply.append("250 8BITMIME")
                        for line in reply { log("S: \(line)") }
                        try await outbound.write(ByteBuffer(string: reply.map { $0 + "\r\n" }.joined()))
                    case "STARTTLS":
                        try await send("220 2.0.0 ready to start TLS" + (script.injectedAfterStartTLS.map { "\r\n" + $0 } ?? ""))
                        try await channel.eventLoop.submit {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
                        }.get()
                        tlsOn = true
                    case "AUTH":
                        let words = line.split(separator: " ").map(String.init)
                        var user = "", password = ""
                        if words.count >= 3, words[1].uppercased() == "PLAIN" {
                            let parts = Data(base64Encoded: words[2]).map { $0.split(separator: 0, omittingEmptySubsequences: false) } ?? []
                            if parts.count == 3 {
                                (user, password) = (String(decoding: parts[1], as: UTF8.self), String(decoding: parts[2], as: UTF8.self))
                            }
                        } else if words.count >= 2, words[1].uppercased() == "LOGIN" {
                            try await send("334 VXNlcm5hbWU6")
                            user = try await readCredential()
                            try await send("334 UGFzc3dvcmQ6")
                            password = try await readCredential()
                        }
                        if let expected = script.credentials, expected.user == user, expected.password == password {
                            try await send("235 2.7.0 authentication successful")
                        } else {
                            try await send("535 5.7.8 authentication credentials invalid")
                        }
                    case "MAIL":
                        mail = (String(line.dropFirst("MAIL FROM:".count)), [])
                        try await send("250 2.1.0 ok")
                    case "RCPT":
                        let address = String(line.dropFirst("RCPT TO:".count)).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
                        let reply = script.recipientReplies[address] ?? "250 2.1.5 ok"
                        if reply.hasPrefix("2") { mail?.recipients.append(address) }
                        try await send(reply)
                    case "DATA":
                        try await send("354 end with <CRLF>.<CRLF>")
                        var wire: [String] = []
                        while let dataLine = try await lines.next(), dataLine != "." { wire.append(dataLine) }
                        let text = wire.map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }.joined(separator: "\r\n")
                        if let current = mail, script.messageReply.hasPrefix("2") {
                            record.withLock {
                                $0.mails.append(Mail(from: current.from, recipients: current.recipients, wireLines: wire, text: text))
                            }
                        }
                        mail = nil
                        try await send(script.messageReply)
                    case "RSET":
                        mail = nil
                        try await send("250 2.0.0 ok")
                    case "QUIT":
                        try await send("221 2.0.0 bye")
                        return
                    default:
                        try await send("502 5.5.2 command not recognised")
                    }
                }
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// CRLF-terminated lines as strings.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        var bytes = buffer.readBytes(length: newline - buffer.readerIndex + 1)!
        bytes.removeLast()
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        context.fireChannelRead(wrapInboundOut(String(decoding: bytes, as: UTF8.self)))
        return .continue
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1 (EC P-256,
/// valid until 2126), made for these tests with openssl; the client trusts
/// it through `SMTPSettings.caFile`.
enum TestCertificate {
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBnDCCAUGgAwIBAgIUekTHo2Omq851CQIDJJm8QivZy0cwCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEzMDE0MzkzMFoYDzIxMjYxMTA2
        MTQzOTMwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAAQWIVSoyxrNcpkQCiDfMDw//7Bx7havFyxICnRKitB+ewJPW4SXCJJV
        97maMziPlzQeYbyuhlBQamrig9dnnKlFo28wbTAdBgNVHQ4EFgQUit97sh17ucrV
        1E8nhWbHZB4uPtUwHwYDVR0jBBgwFoAUit97sh17ucrV1E8nhWbHZB4uPtUwDwYD
        VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
        zj0EAwIDSQAwRgIhAN6u1jYDhvP+l99nkIakl+Z+KExriHXpWtrToIU+RGn3AiEA
        sc0ynv6wUJ5VmoYTuzwb7ARrR0NlutUDcen+wQRqil4=
        -----END CERTIFICATE-----

        """

    static let privateKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSvKmMMKOvk4Dablp
        SYzeDeUWj08G4HNy/Su7RcejZWihRANCAAQWIVSoyxrNcpkQCiDfMDw//7Bx7hav
        FyxICnRKitB+ewJPW4SXCJJV97maMziPlzQeYbyuhlBQamrig9dnnKlF
        -----END PRIVATE KEY-----

        """

    static func serverContext() throws -> NIOSSLContext {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKey.utf8), format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }

    /// Writes the certificate to a file for `SMTPSettings.caFile`.
    static func caFile(in directory: URL) throws -> String {
        let url = directory.appendingPathComponent("fake-smtp-ca.pem")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(certificate.utf8).write(to: url)
        return url.path
    }
}
