import Foundation
import Testing
import WenzhengCore

@Suite("Transcript text: cleaning and escaping")
struct TranscriptTextTests {
    @Test(
        "HTML escaping by byte, whatever follows the character",
        arguments: [
            ("\"\u{301}", "&quot;\u{301}"),
            ("'\u{301}", "&#39;\u{301}"),
            ("\"\u{200D}", "&quot;\u{200D}"),
            ("<\u{FE0F}", "&lt;\u{FE0F}"),
            ("'\u{200D}\u{FE0F}>", "&#39;\u{200D}\u{FE0F}&gt;"),
            ("&amp;", "&amp;amp;"),
            ("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
            ("法律援助“引号”＜全角＞", "法律援助“引号”＜全角＞"),
            ("", ""),
        ])
    func htmlEscaping(_ input: String, _ expected: String) {
        let escaped = HTMLText.escape(input)
        #expect(escaped == expected)
        // The five characters appear only as the start of a reference.
        // Compared by UTF-8 bytes: `;` and a combining mark after it are
        // one Character, which String comparison would not match.
        var bytes = Array(escaped.utf8)
        for reference in ["&lt;", "&gt;", "&amp;", "&quot;", "&#39;"] {
            bytes = bytes.replacing(Array(reference.utf8), with: [])
        }
        #expect(!bytes.contains { "<>&\"'".utf8.contains($0) })
    }

    @Test("a quote glued to a combining mark is one Character that is not a quote: the reason for escaping bytes")
    func graphemeTrap() {
        let glued: Character = "\"\u{301}"
        #expect(glued != "\"")
        #expect(String(glued).unicodeScalars.count == 2)
        #expect(HTMLText.escape(String(glued)).utf8.elementsEqual("&quot;\u{301}".utf8))
    }

    @Test(
        "Markdown: inline syntax everywhere, block syntax at the start of a line, dates and times left readable",
        arguments: [
            ("# 标题", ##"\# 标题"##),
            ("1. 第一", ##"1\. 第一"##),
            ("12) 第十二", ##"12\) 第十二"##),
            ("- 列表", ##"\- 列表"##),
            ("+ 列表", ##"\+ 列表"##),
            ("===", ##"\==="##),
            ("> 引用", ##"\> 引用"##),
            ("<script>", ##"\<script\>"##),
            ("[链接](javascript:x)", ##"\[链接\](javascript:x)"##),
            ("![图](x)", ##"!\[图\](x)"##),
            ("**粗** _斜_ `码` ~删~", ##"\*\*粗\*\* \_斜\_ \`码\` \~删\~"##),
            ("a|b $x$ &amp; \\", ##"a\|b \$x\$ \&amp; \\"##),
            ("    缩进四格", "缩进四格"),
            ("会议于2027-03-16 09:30开始，共1.5小时", "会议于2027-03-16 09:30开始，共1.5小时"),
            ("2027-03-16 开始", "2027-03-16 开始"),
        ])
    func markdown(_ input: String, _ expected: String) {
        #expect(MarkdownText.escapeLine(input) == expected)
    }

    @Test("cleaning: one kind of line break, no controls or bidi overrides, emoji sequences kept, ends trimmed")
    func cleaning() {
        #expect(TranscriptText.clean("a\r\nb\rc\u{85}d\u{2028}e\u{2029}f") == "a\nb\nc\nd\ne\nf")
        #expect(TranscriptText.clean("x\u{1B}[31my\u{7}z\u{7F}\u{9B}w") == "x[31myzw")
        #expect(TranscriptText.clean("abc\u{202E}fdp.exe\u{2066}\u{2069}\u{FEFF}") == "abcfdp.exe")
        #expect(TranscriptText.clean("👨\u{200D}👩\u{200D}👧 ❤\u{FE0F} e\u{301}") == "👨\u{200D}👩\u{200D}👧 ❤\u{FE0F} e\u{301}")
        #expect(TranscriptText.clean("\n\n  第一行  \n\t第二行\t\n\n\n") == "  第一行\n\t第二行")
        #expect(TranscriptText.clean("\u{3000}\u{3000}首行缩进") == "\u{3000}\u{3000}首行缩进")
    }

    @Test("paragraphs split at blank lines, lines at single breaks; one-line fields join lines with spaces")
    func paragraphs() {
        #expect(TranscriptText.paragraphs("一\n二\n\n \n三\r\n") == [["一", "二"], ["三"]])
        #expect(TranscriptText.paragraphs(" \n\u{1B}\n") == [])
        #expect(TranscriptText.singleLine(" 张明\n副厅长\r\n ") == "张明 副厅长")
    }
}
