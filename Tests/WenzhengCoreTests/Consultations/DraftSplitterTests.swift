import Testing
import WenzhengCore

@Suite("Chinese numerals in headings")
struct ChineseNumeralsTests {
    @Test("numerals as drafts write them", arguments: [
        ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("九十九", 99), ("一百", 100), ("一百零三", 103),
        ("一百一十", 110), ("一百二十五", 125), ("两百", 200), ("九百九十九", 999), ("一千", 1000), ("一千零一", 1001),
        ("一千零一十", 1010), ("一千二百三十四", 1234), ("九千九百九十九", 9999), ("壹佰零叁", 103), ("12", 12), ("１２", 12),
        ("103", 103), ("9999", 9999),
    ])
    func values(_ text: String, _ value: Int) {
        #expect(ChineseNumerals.value(of: text) == value)
    }

    @Test("what is not a numeral, or is ambiguous, is refused", arguments: [
        "", "零", "〇", "一二", "十十", "百", "十百", "一百三", "一千五", "一百零", "一零", "0", "00", "10000", "一万", "三a", "十二 ",
        "一百十",
    ])
    func refused(_ text: String) {
        #expect(ChineseNumerals.value(of: text) == nil)
    }

    @Test("writing numbers back gives what parses to them, for every number to 9999")
    func roundTrip() {
        for value in 1...ChineseNumerals.maxValue {
            #expect(ChineseNumerals.value(of: ChineseNumerals.chinese(value)) == value)
        }
        #expect(ChineseNumerals.chinese(12) == "十二")
        #expect(ChineseNumerals.chinese(103) == "一百零三")
        #expect(ChineseNumerals.chinese(110) == "一百一十")
        #expect(ChineseNumerals.chinese(1010) == "一千零一十")
        #expect(ChineseNumerals.chinese(2005) == "二千零五")
    }
}

@Suite("Splitting drafts into chapters and articles")
struct DraftSplitterTests {
    typealias D = DraftFixtures

    @Test("a regulation with a table of contents, chapters and sections")
    func regulation() throws {
        let split = try DraftSplitter.split(D.regulationWithChapters, format: .plainText)
        #expect(split.title == "江苏省法律援助条例（征求意见稿）")
        #expect(split.preamble == "")
        #expect(split.headings.map(\.label) == ["第一章", "第二章", "第一节", "第二节", "第三章", "第四章"])
        #expect(split.headings.map(\.title) == ["总则", "法律援助机构和人员", "法律援助机构", "法律援助人员", "形式和范围", "附则"])
        #expect(split.headings.map(\.level) == [.chapter, .chapter, .section, .section, .chapter, .chapter])
        #expect(split.sections.map(\.articleNumber) == Array(1...10))
        #expect(split.sections.map(\.key) == (1...10).map { "art-\($0)" })
        #expect(split.sections[9].label == "第十条")
        // Paragraphs and items are kept, one per line, without the label.
        #expect(split.sections[2].text.hasPrefix("县级以上地方人民政府应当将法律援助工作"))
        #expect(split.sections[2].text.split(separator: "\n").count == 2)
        #expect(split.sections[7].text.split(separator: "\n").count == 8)
        #expect(split.sections[7].text.contains("（五）值班律师法律帮助；"))
        // Where each article sits.
        #expect(split.headings(of: split.sections[0]).map(\.label) == ["第一章"])
        #expect(split.headings(of: split.sections[4]).map(\.label) == ["第二章", "第一节"])
        #expect(split.headings(of: split.sections[6]).map(\.label) == ["第二章", "第二节"])
        #expect(split.headings(of: split.sections[7]).map(\.label) == ["第三章"])
        #expect(split.warnings.map(\.code) == [.tableOfContentsSkipped])
        #expect(split.warnings[0].line == 3)
        #expect(!split.sections.contains { $0.text.contains("\r") })
    }

    @Test("a draft with articles only, where a line starting with a reference stays in its article")
    func articlesOnly() throws {
        let split = try DraftSplitter.split(D.articlesOnly, format: .plainText)
        #expect(split.title == "江苏省司法厅行政规范性文件管理办法")
        #expect(split.preamble == "（征求意见稿）")
        #expect(split.headings.isEmpty)
        #expect(split.sections.map(\.articleNumber) == Array(1...8))
        #expect(split.sections[5].text == "有下列情形之一的，可以不公开征求意见：\n（一）依法应当保密的；\n（二）为了预防、应对突发事件需要立即制定的。\n第五条规定的期限，因情况紧急需要缩短的，应当在征求意见时说明理由。")
        #expect(split.sections.allSatisfy { $0.headingIndices.isEmpty })
        #expect(split.warnings.isEmpty)
    }

    @Test("a Markdown draft with heading marks, bold labels and Arabic numbers")
    func markdown() throws {
        let split = try DraftSplitter.split(D.markdownWithHeadings, format: .markdown)
        #expect(split.title == "关于进一步规范律师执业行为的若干规定（征求意见稿）")
        #expect(split.preamble == "2026年11月")
        #expect(split.headings.map(\.title) == ["总则", "执业规范", "附则"])
        #expect(split.sections.map(\.label) == ["第1条", "第2条", "第3条", "第4条", "第5条"])
        #expect(split.sections[0].text == "为规范律师执业行为，维护当事人合法权益，根据《中华人民共和国律师法》，制定本规定。")
        #expect(split.sections[2].title == "利益冲突")
        #expect(split.sections[2].text == "律师事务所应当建立利益冲突审查制度。\n律师不得在同一案件中为双方当事人担任代理人。")
        #expect(split.sections[3].text == "律师应当按照规定收费，不得私自收案、收费。")
        #expect(split.headings(of: split.sections[4]).map(\.label) == ["第三章"])
        #expect(split.warnings.isEmpty)
        // Read as plain text, the heading marks stay and the title is not a heading.
        let plain = try DraftSplitter.split(D.markdownWithHeadings, format: .plainText)
        #expect(plain.title == "# 关于进一步规范律师执业行为的若干规定（征求意见稿）")
        #expect(plain.headings.isEmpty)
    }

    @Test("a draft with no recognisable articles becomes one section, with a warning")
    func noArticles() throws {
        let split = try DraftSplitter.split(D.noArticles, format: .plainText)
        #expect(split.title == "关于推进公共法律服务体系建设的实施意见")
        #expect(split.sections.count == 1)
        let whole = split.sections[0]
        #expect(whole.key == DraftSection.wholeDraftKey)
        #expect(whole.articleNumber == nil)
        #expect(whole.label == "全文")
        #expect(whole.text.hasPrefix("（征求意见稿）\n为深入贯彻落实"))
        #expect(whole.text.hasSuffix("纳入重要议事日程。"))
        #expect(split.warnings.map(\.code) == [.noArticles])
    }

    @Test("numbers past one hundred, and an excerpt that does not start at 1")
    func pastOneHundred() throws {
        let split = try DraftSplitter.split(D.excerptAcrossOneHundred, format: .plainText)
        #expect(split.sections.map(\.articleNumber) == [98, 99, 100, 101])
        #expect(split.sections.map(\.label) == ["第九十八条", "第九十九条", "第一百条", "第一百零一条"])
        #expect(split.warnings.map(\.code) == [.numberingGap])
        #expect(split.warnings[0].line == 1)
    }

    @Test("gaps, repeats, going back and empty articles are warned about; keys stay unique")
    func numberingWarnings() throws {
        let text = """
            第一条　甲。
            第三条　乙。
            第三条　丙。
            第二条　丁。
            第四条
            """
        let split = try DraftSplitter.split(text, format: .plainText)
        #expect(split.sections.map(\.key) == ["art-1", "art-3", "art-3-2", "art-2", "art-4"])
        #expect(split.warnings.map(\.code) == [.numberingGap, .duplicateNumber, .outOfOrder, .emptyArticle])
        #expect(split.warnings.map(\.line) == [2, 3, 4, 5])
        #expect(split.warnings[0].message.contains("第二条"))
    }

    @Test("labels followed directly by text count when the number is the next one; brackets and colons separate")
    func labelSeparators() throws {
        let text = """
            第一条【立法目的】为了规范管理，制定本办法。
            第二条：本办法适用于全省。
            第三条本条紧接正文。
            第九条规定的情形除外。
            第四条（定义）本办法所称……
            """
        let split = try DraftSplitter.split(text, format: .plainText)
        #expect(split.sections.map(\.articleNumber) == [1, 2, 3, 4])
        #expect(split.sections[0].text == "【立法目的】为了规范管理，制定本办法。")
        #expect(split.sections[1].text == "本办法适用于全省。")
        #expect(split.sections[2].text == "本条紧接正文。\n第九条规定的情形除外。")
    }

    @Test("headings: only on short lines that are not sentences; 编 above 章 above 节")
    func headings() throws {
        let text = """
            第一编　总　则
            第一章　一般规定
            第一条　甲。
            第一章规定的事项，依照本编执行。
            第二编　分　则
            第一章　具体规定
            第一节　通则
            第二条　乙。
            """
        let split = try DraftSplitter.split(text, format: .plainText)
        #expect(split.headings.map(\.label) == ["第一编", "第一章", "第二编", "第一章", "第一节"])
        #expect(split.headings.map(\.level) == [.part, .chapter, .part, .chapter, .section])
        #expect(split.sections[0].text == "甲。\n第一章规定的事项，依照本编执行。")
        #expect(split.headings(of: split.sections[1]).map(\.title) == ["分则", "具体规定", "通则"])
    }

    @Test("text under a heading before its first article is kept and warned about")
    func textOutsideArticles() throws {
        let split = try DraftSplitter.split("第一章　总则\n本章说明。\n第一条　甲。", format: .plainText)
        #expect(split.preamble == "本章说明。")
        #expect(split.warnings.map(\.code) == [.textOutsideArticles])
    }

    @Test("empty, blank and oversized drafts are refused")
    func refused() {
        for text in ["", " \n\u{3000}\r\n", "\u{FEFF}\u{0}"] {
            #expect(throws: ValidationFailure([.required("draft")])) { try DraftSplitter.split(text, format: .plainText) }
        }
        let huge = String(repeating: "字", count: ConsultationRules.draftMaxLength + 1)
        #expect(throws: ValidationFailure([.tooLong("draft", max: ConsultationRules.draftMaxLength)])) {
            try DraftSplitter.split(huge, format: .plainText)
        }
        let many = (1...ConsultationRules.maxSections + 1).map { "第\($0)条 内容" }.joined(separator: "\n")
        #expect(throws: ValidationFailure.self) { try DraftSplitter.split(many, format: .plainText) }
    }

    @Test("hostile text: control characters are dropped; a mark on 第 or 条 makes a line text, not a label")
    func hostile() throws {
        let split = try DraftSplitter.split("第一条\u{0}　甲\u{202E}乙。\n第\u{0301}二条　丙。\n第二条\u{0301}　丁。\n第二条　戊。", format: .plainText)
        #expect(split.sections.map(\.articleNumber) == [1, 2])
        #expect(split.sections[0].text == "甲\u{202E}乙。\n第\u{0301}二条　丙。\n第二条\u{0301}　丁。")
        #expect(split.sections[1].text == "戊。")
    }
}
