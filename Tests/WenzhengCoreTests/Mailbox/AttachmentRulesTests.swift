import Testing
import WenzhengCore

@Suite("Attachment rules")
struct AttachmentRulesTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 40)
        + [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 1, count: 40) + [0xFF, 0xD9]
    static let pdf: [UInt8] = Array("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".utf8)

    static func kind(_ bytes: [UInt8]) -> AttachmentKind? {
        AttachmentRules.kind(head: Array(bytes.prefix(AttachmentRules.headBytes)), tail: Array(bytes.suffix(AttachmentRules.tailBytes)))
    }

    @Test("PDF, PNG and JPEG are recognised by their content")
    func recognised() {
        #expect(Self.kind(Self.pdf) == .pdf)
        #expect(Self.kind(Self.png) == .png)
        #expect(Self.kind(Self.jpeg) == .jpeg)
    }

    @Test("other content, truncated files and disguised files are refused", arguments: [
        Array("<html><script>alert(1)</script>".utf8),  // HTML named .pdf
        Array("%PDF-1.7 but cut off before the end".utf8),  // truncated PDF
        Array(png.prefix(30)),  // truncated PNG
        Array(jpeg.dropLast(2)),  // JPEG without its end marker
        Array("GIF89a".utf8) + [0, 0, 0, 0x3B],
        [UInt8](),
        Array("MZ\u{90}\u{0}".utf8) + Array(repeating: 0, count: 20),  // a Windows executable
    ])
    func refused(_ bytes: [UInt8]) {
        #expect(Self.kind(bytes) == nil)
    }

    @Test("display names keep the last component, drop control and bidi characters, and take the real extension")
    func displayNames() {
        #expect(AttachmentRules.displayName("身份证.jpg", kind: .jpeg) == "身份证.jpg")
        #expect(AttachmentRules.displayName("C:\\Users\\张三\\材料.PDF", kind: .pdf) == "材料.pdf")
        #expect(AttachmentRules.displayName("../../etc/passwd", kind: .png) == "passwd.png")
        #expect(AttachmentRules.displayName("invoice\u{202E}gpj.exe", kind: .pdf) == "invoicegpj.pdf")
        #expect(AttachmentRules.displayName("a\u{0}b\nc.png", kind: .png) == "abc.png")
        #expect(AttachmentRules.displayName("", kind: .pdf) == "附件.pdf")
        #expect(AttachmentRules.displayName("...", kind: .pdf) == "附件.pdf")
        #expect(AttachmentRules.displayName(".hidden", kind: .pdf) == ".hidden.pdf")
        let long = AttachmentRules.displayName(String(repeating: "长", count: 300) + ".pdf", kind: .pdf)
        #expect(long.unicodeScalars.count == AttachmentRules.displayNameMaxLength)
        #expect(long.hasSuffix(".pdf"))
    }
}
