import Foundation
import NIOCore

/// One SMTP reply: a three-digit code and its text lines
/// (`250-mail.example.cn`, `250-STARTTLS`, `250 AUTH PLAIN LOGIN`).
struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    var code: Int
    /// The text after the code on each line.
    var lines: [String]

    /// `2xx` and `3xx`.
    var isPositive: Bool { (200..<400).contains(code) }

    /// The code and the text, on one line, shortened for `last_error`.
    var description: String {
        String(("\(code) " + lines.joined(separator: " ")).trimmingCharacters(in: .whitespaces).prefix(300))
    }
}

/// What is wrong with what the server sent.
struct SMTPProtocolError: Error, CustomStringConvertible {
    var description: String
}

/// Splits the bytes from the server into replies: lines ending in CRLF (a
/// bare LF is accepted), `ddd-text` continuing a reply and `ddd text` or
/// `ddd` ending it. A line longer than 2,048 bytes or a reply of more than
/// 100 lines is an error, so a broken server cannot fill the memory.
///
/// It counts the replies it passed on and keeps any bytes after the last
/// one, so the client can check, before starting TLS, that the server sent
/// nothing after its `220` to `STARTTLS` (text injected there would
/// otherwise be read as if it came over TLS).
final class SMTPReplyFramer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPReply

    static let maxLineBytes = 2048
    static let maxLines = 100

    private var buffer = ByteBuffer()
    private var pending: [String] = []
    private(set) var repliesForwarded = 0

    /// Bytes or lines received that are not yet a whole reply.
    var holdsPartialInput: Bool { buffer.readableBytes > 0 || !pending.isEmpty }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        do {
            while let line = nextLine() {
                if let reply = try take(line) {
                    repliesForwarded += 1
                    context.fireChannelRead(wrapInboundOut(reply))
                }
            }
            if buffer.readableBytes > Self.maxLineBytes {
                throw SMTPProtocolError(description: "a reply line longer than \(Self.maxLineBytes) bytes")
            }
            buffer.discardReadBytes()
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    private func nextLine() -> String? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = newline - buffer.readerIndex
        var bytes = buffer.readBytes(length: length + 1)!
        bytes.removeLast()
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Adds a line; returns the reply it completes.
    private func take(_ line: String) throws -> SMTPReply? {
        let utf8 = Array(line.utf8)
        guard utf8.count >= 3, utf8[0...2].allSatisfy({ (0x30...0x39).contains($0) }), utf8.count == 3 || utf8[3] == 0x20 || utf8[3] == 0x2D
        else { throw SMTPProtocolError(description: "not an SMTP reply: \(line.prefix(80))") }
        let text = utf8.count > 4 ? String(decoding: utf8[4...], as: UTF8.self) : ""
        pending.append(text)
        guard pending.count <= Self.maxLines else { throw SMTPProtocolError(description: "a reply of more than \(Self.maxLines) lines") }
        if utf8.count > 3 && utf8[3] == 0x2D { return nil }
        defer { pending = [] }
        return SMTPReply(code: Int(String(decoding: utf8[0...2], as: UTF8.self))!, lines: pending)
    }
}
