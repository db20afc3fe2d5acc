import Foundation
import Testing
import WenzhengCore

/// Notices as e-mail text: addresses, encoded-words, line lengths, the
/// body's encodings, dot-stuffing, and the retry schedule.
@Suite("Mail messages")
struct MailMessageTests {
    static let from = MailAddress("noreply@sft.example.cn", displayName: "江苏省司法厅")!
    static let to = MailAddress("visitor@example.cn")!
    static let date = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 11:06:40 UTC

    static func decodeWords(_ header: String) -> String {
        header.matches(of: /=\?UTF-8\?B\?([A-Za-z0-9+\/=]+)\?=/).map { String(decoding: Data(base64Encoded: String($0.1))!, as: UTF8.self) }
            .joined()
    }

    @Test("addresses: display names, refusals that keep the dialogue safe, masking")
    func addresses() throws {
        let parsed = try MailAddress(parsing: "江苏省司法厅 <noreply@sft.example.cn>")
        #expect(parsed == Self.from)
        #expect(try MailAddress(parsing: "\"Office, Legal\" <a@b.cn>").displayName == "Office, Legal")
        #expect(try MailAddress(parsing: " v@example.cn ").address == "v@example.cn")
        for bad in [
            "v@example.cn>\r\nRCPT TO:<x@y.cn", "no-at.example.cn", "a b@example.cn", "v@localhost", "v@exa_mple.cn", "<v@example.cn",
            ".v@example.cn",
        ] {
            #expect(throws: MailAddress.ParseError.self) { try MailAddress(parsing: bad) }
        }
        #expect(MailAddress.masked("visitor@example.cn") == "v***@example.cn")
        #expect(MailAddress.masked("nonsense") == "***")
    }

    @Test("a Chinese notice: headers, encoded-words within 76, base64 body that decodes to the text")
    func chineseNotice() throws {
        let subject = "开放日时间调整：江苏省司法厅二〇二七年第一季度开放日改期通知（请留意新的时间）"
        let body = "张三您好：\n您登记参加的开放日改在 2027-05-20 09:30。\n确认码：K7Q2M9。"
        let message = MailMessage(
            from: Self.from, to: Self.to, subject: subject, body: body, date: Self.date,
            messageID: "wenzheng.outbox.1.1795000000@sft.example.cn",
            timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        let text = message.rendered()
        #expect(text.hasSuffix("\r\n"))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 76 }, "\(lines.filter { $0.count > 76 })")
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(lines.contains("Date: Wed, 18 Nov 2026 19:06:40 +0800"))
        #expect(lines.contains("To: visitor@example.cn"))
        #expect(lines.contains("Message-ID: <wenzheng.outbox.1.1795000000@sft.example.cn>"))
        #expect(lines.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(lines.contains("Content-Transfer-Encoding: base64"))
        #expect(lines.contains("MIME-Version: 1.0"))
        let fromLine = try #require(lines.first { $0.hasPrefix("From: ") })
        #expect(fromLine.hasSuffix(" <noreply@sft.example.cn>") && Self.decodeWords(fromLine) == "江苏省司法厅")
        // The subject: a header line and its folded continuations.
        let start = try #require(lines.firstIndex { $0.hasPrefix("Subject: ") })
        var subjectLines = [lines[start]]
        var index = start + 1
        while lines[index].hasPrefix(" ") {
            subjectLines.append(lines[index])
            index += 1
        }
        #expect(subjectLines.count > 1)
        #expect(Self.decodeWords(subjectLines.joined()) == subject)
        let blank = try #require(lines.firstIndex(of: ""))
        let encoded = lines[(blank + 1)...].joined()
        let decoded = String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
        #expect(decoded == body.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("an ASCII body is quoted-printable: long lines soft-broken, '=' and trailing spaces encoded")
    func quotedPrintable() {
        let long = String(repeating: "a", count: 100)
        let lines = MailEncoding.quotedPrintable("x = y \r\n" + long + "\r\n.end")
        #expect(lines[0] == "x =3D y=20")
        #expect(lines[1].count == 76 && lines[1].hasSuffix("="))
        #expect(lines[2] == String(repeating: "a", count: 25))
        #expect(lines[3] == ".end")
        let message = MailMessage(
            from: Self.from, to: Self.to, subject: "Open day moved", body: "Hello", date: Self.date, messageID: "m@x.cn")
        #expect(message.rendered().contains("Subject: Open day moved\r\n"))
        #expect(message.rendered().contains("Content-Transfer-Encoding: quoted-printable\r\n"))
    }

    @Test("encoded-words never split a character, and controls become spaces")
    func encodedWords() {
        let words = MailEncoding.encodedWords(String(repeating: "开", count: 20) + "\r\nBcc: x")
        #expect(words.count == 2)
        let decoded = words.map { Self.decodeWords($0) }
        #expect(decoded[0] == String(repeating: "开", count: 13))
        #expect(decoded.joined() == String(repeating: "开", count: 20) + " Bcc: x")
    }

    @Test("dot-stuffing doubles a leading dot on every line, and only there")
    func dotStuffing() {
        #expect(MailEncoding.dotStuffed(".\r\na.b\r\n..x\r\n") == "..\r\na.b\r\n...x\r\n")
    }

    @Test("the retry schedule: 1 min, 5 min, 30 min, 2 h, 12 h, then abandoned")
    func retrySchedule() {
        let schedule = RetrySchedule.standard
        let delays = (1...6).map { schedule.retryDate(afterFailedAttempt: $0, at: Self.date)?.timeIntervalSince(Self.date) }
        #expect(delays == [60, 300, 1800, 7200, 43200, nil])
        #expect(schedule.maxAttempts == 6)
    }
}
