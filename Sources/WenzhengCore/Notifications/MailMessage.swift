import Foundation

/// One plain-text e-mail, written out as RFC 5322 text for SMTP's `DATA`:
/// CRLF line endings, no line longer than 76 characters, UTF-8 throughout.
///
/// - The subject and a display name that are not plain ASCII become RFC 2047
///   encoded-words (`=?UTF-8?B?…?=`), split on character boundaries so no
///   word is cut inside a character and each header line stays within 76.
/// - A body with any character beyond ASCII (every Chinese notice) is
///   base64, 76 characters a line; an ASCII body is quoted-printable, which
///   stays readable on the wire. Either way the text is `text/plain;
///   charset=utf-8` with CRLF line breaks.
/// - `Auto-Submitted: auto-generated` (RFC 3834) asks mail systems not to
///   answer it with vacation replies.
///
/// Dot-stuffing is not done here: it belongs to the SMTP transfer
/// (`MailEncoding.dotStuffed`).
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var body: String
    public var date: Date
    /// Without the angle brackets: `outbox.12.1795000000@example.cn`.
    public var messageID: String
    public var timeZone: TimeZone

    public init(
        from: MailAddress, to: MailAddress, subject: String, body: String, date: Date, messageID: String,
        timeZone: TimeZone = .current
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID
        self.timeZone = timeZone
    }

    /// Headers, an empty line and the encoded body, lines joined with CRLF,
    /// ending with CRLF.
    public func rendered() -> String {
        let ascii = body.unicodeScalars.allSatisfy(\.isASCII)
        var lines = [
            "Date: \(MailEncoding.rfc5322Date(date, timeZone: timeZone))",
            "From: \(MailEncoding.mailbox(from))",
            "To: \(MailEncoding.mailbox(to))",
        ]
        lines += MailEncoding.unstructuredHeader("Subject", subject)
        lines += [
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(ascii ? "quoted-printable" : "base64")",
            "Auto-Submitted: auto-generated",
            "",
        ]
        let text = MailEncoding.crlfLines(body).joined(separator: "\r\n")
        lines += ascii ? MailEncoding.quotedPrintable(text) : MailEncoding.base64Lines(Array(text.utf8))
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// The encodings `MailMessage` and the SMTP client use, one function each so
/// each can be tested on its own.
public enum MailEncoding {
    /// Longest line in a message.
    public static let lineLength = 76
    /// UTF-8 bytes in one encoded-word: 39 bytes are 52 base64 characters,
    /// a 64-character word, so `Subject: ` and one word fit in 76.
    static let encodedWordBytes = 39

    /// `Tue, 18 Nov 2026 17:06:40 +0800`.
    public static func rfc5322Date(_ date: Date, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// `name@example.cn`, or `Display Name <name@example.cn>` with the name
    /// quoted or encoded as it needs.
    public static func mailbox(_ address: MailAddress) -> String {
        guard let name = address.displayName, !name.isEmpty else { return address.address }
        let atext = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || $0 == " " || "0123456789-!#$%&'*+/=?^_`{|}~".unicodeScalars.contains($0))
        }
        if atext { return "\(name) <\(address.address)>" }
        if name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address.address)>"
        }
        return encodedWords(name).joined(separator: " ") + " <\(address.address)>"
    }

    /// An unstructured header (`Subject`): as it is when it is short plain
    /// ASCII, else encoded-words, one per line after the first.
    public static func unstructuredHeader(_ name: String, _ value: String) -> [String] {
        let plain = value.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }
        if plain && name.count + 2 + value.count <= lineLength && !value.contains("=?") {
            return ["\(name): \(value)"]
        }
        let words = encodedWords(value)
        return ["\(name): \(words[0])"] + words.dropFirst().map { " \($0)" }
    }

    /// RFC 2047 B-encoded words of at most 39 UTF-8 bytes each, never
    /// splitting a character. Line breaks and other controls in `text`
    /// become spaces (a header is one line).
    public static func encodedWords(_ text: String) -> [String] {
        var chunks: [[UInt8]] = [[]]
        for character in text {
            let bytes = Array(
                (character.isNewline || character.unicodeScalars.contains { $0.properties.generalCategory == .control }
                    ? " " : String(character)).utf8)
            if chunks[chunks.count - 1].count + bytes.count > encodedWordBytes && !chunks[chunks.count - 1].isEmpty { chunks.append([]) }
            chunks[chunks.count - 1] += bytes
        }
        return chunks.map { "=?UTF-8?B?\(Data($0).base64EncodedString())?=" }
    }

    /// The text's lines, whatever line endings it had (CRLF, LF or CR).
    public static func crlfLines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Base64 in lines of 76 characters.
    public static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: lineLength, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// Quoted-printable (RFC 2045 §6.7) of text whose lines are separated
    /// by CRLF: `=` and controls as `=XX`, a space or tab at a line's end
    /// encoded, lines longer than 76 broken with a soft `=`.
    public static func quotedPrintable(_ text: String) -> [String] {
        var output: [String] = []
        for line in text.components(separatedBy: "\r\n") {
            let bytes = Array(line.utf8)
            var current = ""
            for (offset, byte) in bytes.enumerated() {
                let last = offset == bytes.count - 1
                let token: String
                if (byte == 0x20 || byte == 0x09) && !last {
                    token = String(UnicodeScalar(byte))
                } else if (0x21...0x7E).contains(byte) && byte != 0x3D {
                    token = String(UnicodeScalar(byte))
                } else {
                    token = "=" + String(format: "%02X", byte)
                }
                // Leave room for the soft break's `=`.
                if current.count + token.count > lineLength - 1 {
                    output.append(current + "=")
                    current = ""
                }
                current += token
            }
            output.append(current)
        }
        return output
    }

    /// SMTP's transparency (RFC 5321 §4.5.2): a line that starts with `.`
    /// gets another `.` in front, so it cannot end the `DATA`. `message`
    /// has CRLF line endings.
    public static func dotStuffed(_ message: String) -> String {
        let stuffed = message.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
        return stuffed
    }
}
