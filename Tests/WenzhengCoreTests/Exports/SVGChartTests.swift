import Foundation
import Testing
import WenzhengCore

/// Checks that a document is well-formed enough for an XML parser: tags
/// balance, attribute values are quoted and hold no raw `<` or quote, and
/// every `&` starts one of the five predefined entities.
func checkWellFormedXML(_ xml: String, sourceLocation: SourceLocation = #_sourceLocation) {
    var stack: [String] = []
    var rest = Substring(xml)
    func checkText(_ text: Substring) {
        #expect(!text.contains(">"), "raw > in text", sourceLocation: sourceLocation)
        var remainder = text
        while let amp = remainder.firstIndex(of: "&") {
            let tail = remainder[amp...]
            // Compared by scalar: `&quot;` followed by a combining mark is
            // not a prefix when compared by Character.
            let ok = ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;"].contains { tail.unicodeScalars.starts(with: $0.unicodeScalars) }
            #expect(ok, "bare & in \(tail.prefix(12))", sourceLocation: sourceLocation)
            remainder = remainder[remainder.index(after: amp)...]
        }
        for scalar in text.unicodeScalars where scalar.value < 0x20 {
            #expect(scalar == "\n" || scalar == "\t" || scalar == "\r", "control character", sourceLocation: sourceLocation)
        }
    }
    while let open = rest.firstIndex(of: "<") {
        checkText(rest[..<open])
        guard let close = rest[open...].firstIndex(of: ">") else {
            Issue.record("unclosed tag", sourceLocation: sourceLocation)
            return
        }
        let tag = rest[rest.index(after: open)..<close]
        rest = rest[rest.index(after: close)...]
        if tag.hasPrefix("/") {
            #expect(stack.popLast() == String(tag.dropFirst()), "unbalanced </\(tag)>", sourceLocation: sourceLocation)
            continue
        }
        let selfClosing = tag.hasSuffix("/")
        let inner = selfClosing ? tag.dropLast() : tag
        let name = inner.prefix { $0 != " " }
        var attributes = inner.dropFirst(name.count)
        // name="value" pairs, values free of < and ".
        while !attributes.isEmpty {
            attributes = attributes.drop { $0 == " " }
            if attributes.isEmpty { break }
            guard let equals = attributes.firstIndex(of: "="),
                attributes[attributes.index(after: equals)...].first == "\""
            else {
                Issue.record("unquoted attribute in <\(tag)>", sourceLocation: sourceLocation)
                return
            }
            let valueStart = attributes.index(equals, offsetBy: 2)
            guard let valueEnd = attributes[valueStart...].firstIndex(of: "\"") else {
                Issue.record("unterminated attribute", sourceLocation: sourceLocation)
                return
            }
            let value = attributes[valueStart..<valueEnd]
            #expect(!value.contains("<"), sourceLocation: sourceLocation)
            checkText(value)
            attributes = attributes[attributes.index(after: valueEnd)...]
            #expect(attributes.isEmpty || attributes.first == " ", "attributes run together in <\(tag)>", sourceLocation: sourceLocation)
        }
        if !selfClosing { stack.append(String(name)) }
    }
    checkText(rest)
    #expect(stack.isEmpty, "unclosed elements \(stack)", sourceLocation: sourceLocation)
}

@Suite("XML escaping")
struct XMLEscapingTests {
    @Test("the five significant characters are escaped wherever they stand, whatever follows them", arguments: [
        ("\"\u{0301}", "&quot;\u{0301}"), ("'\u{0301}", "&apos;\u{0301}"), ("<\u{0301}", "&lt;\u{0301}"),
        (">\u{200D}", "&gt;\u{200D}"), ("&\u{FE0F}", "&amp;\u{FE0F}"), ("\"\u{200D}/onload=alert(1)", "&quot;\u{200D}/onload=alert(1)"),
        ("<script>", "&lt;script&gt;"), ("a & b", "a &amp; b"), ("It's", "It&apos;s"), ("&amp;", "&amp;amp;"),
        ("安全文本", "安全文本"), ("👨\u{200D}👩\u{200D}👧", "👨\u{200D}👩\u{200D}👧"), ("e\u{0301}\"", "e\u{0301}&quot;"),
    ])
    func escapes(_ text: String, _ expected: String) {
        #expect(XMLEscaping.escape(text) == expected)
    }

    @Test("a quote in a grapheme cluster is one Character that is not a quote, and is escaped all the same")
    func graphemeTrap() {
        let hostile = "\"\u{0301}"
        #expect(hostile.count == 1 && hostile.first != "\"")
        #expect(!XMLEscaping.escape(hostile).unicodeScalars.contains("\""))
    }

    @Test("characters XML forbids are dropped; tab, line feed and carriage return stay")
    func forbiddenCharacters() {
        #expect(XMLEscaping.escape("a\u{0}b\u{1}c\u{8}d\u{B}e\u{1F}f") == "abcdef")
        #expect(XMLEscaping.escape("a\tb\nc\rd") == "a\tb\nc\rd")
        #expect(XMLEscaping.escape("x\u{FFFE}y\u{FFFF}z") == "xyz")
        // Neighbours of the non-characters survive.
        #expect(XMLEscaping.escape("\u{FFFD}\u{FFBE}\u{EFBF}\u{F000}") == "\u{FFFD}\u{FFBE}\u{EFBF}\u{F000}")
    }
}

@Suite("Text width estimates")
struct TextWidthTests {
    @Test("CJK is a full em, ASCII about half, combining and zero-width characters nothing")
    func widths() {
        #expect(TextWidth.units("满意") == 200)
        #expect(TextWidth.units("ab") == 110)
        #expect(TextWidth.units("e\u{0301}\u{200D}\u{FE0F}") == 55)
        #expect(TextWidth.units("，。（）") == 400)
        #expect(TextWidth.units("ＡＢ") == 200)
        #expect(TextWidth.units("𠮷") == 100)
        #expect(TextWidth.pixels("满意度", fontSize: 14) == 42)
        #expect(TextWidth.pixels("a", fontSize: 14) == 8)
    }

    @Test("truncation fits the width, adds an ellipsis, and never splits a character")
    func truncation() {
        #expect(TextWidth.truncated("短", toPixels: 100, fontSize: 10) == "短")
        let cut = TextWidth.truncated(String(repeating: "长", count: 50), toPixels: 100, fontSize: 10)
        #expect(cut == String(repeating: "长", count: 9) + "…")
        #expect(TextWidth.pixels(cut, fontSize: 10) <= 100)
        let marks = TextWidth.truncated(String(repeating: "e\u{0301}", count: 40), toPixels: 60, fontSize: 10)
        #expect(marks.hasSuffix("…"))
        #expect(marks.unicodeScalars.dropLast().count % 2 == 0)
    }
}

@Suite("SVG bar charts")
struct SVGBarChartTests {
    static let chart = SVGBarChart(
        title: "您对办事效率是否满意？",
        caption: "共 3 人回答",
        groups: [.init(heading: nil, bars: [
            .init(label: "满意", lengthPermille: 667, valueText: "2 (66.7%)"),
            .init(label: "不满意", lengthPermille: 333, valueText: "1 (33.3%)"),
        ])])

    @Test("accessible: role, aria-label, title and a description that states every value")
    func accessible() {
        let svg = Self.chart.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("aria-label=\"您对办事效率是否满意？\""))
        #expect(svg.contains("<title>您对办事效率是否满意？</title>"))
        #expect(svg.contains("<desc>共 3 人回答\n满意：2 (66.7%)\n不满意：1 (33.3%)</desc>"))
        #expect(!svg.contains("<script"))
        checkWellFormedXML(svg)
    }

    @Test("bar lengths are proportional, and the output is the same every time")
    func deterministic() {
        let svg = Self.chart.svg()
        #expect(svg == Self.chart.svg())
        let widths = svg.split(separator: "\n").filter { $0.hasPrefix("<rect x=") }.compactMap { line -> Int? in
            guard let range = line.range(of: "width=\"") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(widths.count == 2)
        #expect(abs(widths[0] - 2 * widths[1]) <= 1)
    }

    @Test("hostile labels cannot break out of text or attributes", arguments: [
        "\"\u{0301} onload=\"alert(1)", "</text><script>alert(1)</script>", "'\u{200D}><a href='x'>", "&\u{FE0F}lt;", "a\u{0}b\u{FFFF}",
        "<\u{0301}svg", String(repeating: "长", count: 400),
    ])
    func hostile(_ text: String) {
        let chart = SVGBarChart(title: text, caption: text, groups: [
            .init(heading: text, bars: [.init(label: text, lengthPermille: 5000, valueText: text)])
        ])
        let svg = chart.svg()
        checkWellFormedXML(svg)
        #expect(!svg.contains("<script"))
        #expect(!svg.contains("<a "))
        #expect(!svg.contains(" onload=\""))
    }

    @Test("an empty chart is still a valid document")
    func empty() {
        checkWellFormedXML(SVGBarChart(title: "无数据", groups: []).svg())
    }
}
