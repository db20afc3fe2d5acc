import Foundation
import Testing
import WenzhengCore

@Suite("Text folding")
struct TextNormalizerTests {
    @Test func foldsWidthCaseAndSeparators() {
        #expect(TextNormalizer.fold("ＱＱ群") == TextNormalizer.fold("qq群"))
        #expect(TextNormalizer.fold("WeChat") == TextNormalizer.fold("wechat"))
        #expect(TextNormalizer.fold("敏 感.词") == TextNormalizer.fold("敏感词"))
        #expect(TextNormalizer.fold("敏\u{200B}感\u{3000}词！") == TextNormalizer.fold("敏感词"))
        #expect(TextNormalizer.fold("①②") == TextNormalizer.fold("12"))
        #expect(TextNormalizer.fold("Ｃａｆé") == TextNormalizer.fold("café"))
        #expect(TextNormalizer.fold(" .,!?、。…—") == [])
    }
}

@Suite("Multi-pattern matcher")
struct MultiPatternMatcherTests {
    func spans(_ matcher: MultiPatternMatcher, _ text: String) -> [String] {
        let utf16 = Array(text.utf16)
        return matcher.matches(in: text).map { String(decoding: utf16[$0.utf16Start..<$0.utf16End], as: UTF16.self) }
    }

    @Test func findsEveryOccurrenceWithSpansInTheOriginalText() {
        let matcher = MultiPatternMatcher(terms: ["he", "she", "his", "hers"])
        #expect(Set(spans(matcher, "ushers")) == ["she", "he", "hers"])
        let chinese = MultiPatternMatcher(terms: ["加微信", "微信"])
        #expect(spans(chinese, "请加微信详谈") == ["加微信", "微信"] || spans(chinese, "请加微信详谈") == ["微信", "加微信"])
    }

    @Test func seesThroughEvasions() {
        let matcher = MultiPatternMatcher(terms: ["加微信"])
        for evasion in ["加 微 信", "加.微.信", "加\u{200B}微信", "加－微－信", "加　微　信", "【加】微信"] {
            let found = spans(matcher, "请\(evasion)领取")
            #expect(found.count == 1, "\(evasion)")
            // The span covers the original characters, separators included.
            #expect(found.first?.hasPrefix("加") == true && found.first?.hasSuffix("信") == true, "\(evasion)")
        }
        let latin = MultiPatternMatcher(terms: ["qq群"])
        #expect(spans(latin, "进ＱＱ群") == ["ＱＱ群"])
        #expect(spans(latin, "进Q Q 群") == ["Q Q 群"])
    }

    @Test func nearMissesDoNotMatch() {
        let matcher = MultiPatternMatcher(terms: ["加微信"])
        #expect(spans(matcher, "微信加好友").isEmpty)
        #expect(spans(matcher, "加微").isEmpty)
        #expect(spans(matcher, "").isEmpty)
    }

    @Test func offsetsCountUTF16SoBrowsersHighlightTheRightCharacters() {
        let matcher = MultiPatternMatcher(terms: ["坏词"])
        let text = "😀𠀀坏 词"
        let match = matcher.matches(in: text).first
        // 😀 and 𠀀 are two UTF-16 units each.
        #expect(match?.utf16Start == 4)
        #expect(match?.utf16End == 7)
    }

    @Test func manyTermsStayCorrect() {
        var terms = (0..<5000).map { "词条\($0)号" }
        terms.append("目标")
        let matcher = MultiPatternMatcher(terms: terms)
        let text = String(repeating: "无关的内容，", count: 200) + "目标" + "词条4999号"
        let found = matcher.matches(in: text).map(\.term).sorted()
        #expect(found == [4999, 5000])
    }

    @Test func termsWithOnlySeparatorsNeverMatch() {
        let matcher = MultiPatternMatcher(terms: ["...", "坏"])
        #expect(matcher.matches(in: "...坏").map(\.term) == [1])
    }
}

@Suite("Word lists and rules files")
struct ModerationFilesTests {
    @Test func parsesHeadersAndTerms() throws {
        let data = Data("""
            \u{FEFF}# category: abuse
            # source: test
            # licence: CC0

            坏词
            # a comment
              另一个  
            坏 词
            """.utf8)
        let list = try WordList.parse(data, file: "abuse.txt")
        #expect(list.category == "abuse")
        #expect(list.source == "test")
        #expect(list.terms == ["坏词", "另一个"])  // "坏 词" folds to a duplicate
    }

    @Test func reportsInvalidUTF8WithItsLine() {
        var bytes = Array("# category: a\n# source: s\n# licence: l\nok\n".utf8)
        bytes += [0xE5, 0x9D, 0x0A]  // a truncated character on line 5
        do {
            _ = try WordList.parse(Data(bytes), file: "a.txt")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 5)
            #expect(error.description == "a.txt:5: invalid UTF-8")
        }
    }

    @Test func requiresTheHeader() {
        #expect(throws: WordList.ParseError.self) { try WordList.parse(Data("坏词\n".utf8), file: "x.txt") }
        #expect(throws: WordList.ParseError.self) {
            try WordList.parse(Data("# category: a\n# source: s\n坏词\n".utf8), file: "x.txt")
        }
    }

    @Test func rulesNeedTheStandardReasonsAndValidJSON() {
        do {
            _ = try ModerationRules.parse(Data("{\n  \"categories\": {\n    oops\n}".utf8), file: "rules.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "rules.json")
            #expect(error.message.hasPrefix("invalid JSON"))
        }
        let noReasons = """
            {"categories": {}, "singleCharacterAction": "flag", "personalInformationAction": "flag",
             "contentKinds": {}, "rejectionReasons": []}
            """
        #expect(throws: WordList.ParseError.self) { try ModerationRules.parse(Data(noReasons.utf8), file: "rules.json") }
    }
}

/// A small filter built in memory, independent of the shipped lists.
func makeTestFilter(abuseAction: FilterAction = .hold) -> ContentFilter {
    let reasons = ModerationRules.standardReasonCodes.map { RejectionReason(code: $0, zh: $0, en: $0) }
    let rules = ModerationRules(
        categories: [
            "abuse": .init(file: "abuse.txt", action: abuseAction),
            "advertising": .init(file: "advertising.txt", action: .reject),
            "office": .init(file: "office.txt", action: .flag),
        ],
        singleCharacterAction: .flag, personalInformationAction: .flag, allowListFile: nil,
        contentKinds: [:], rejectionReasons: reasons)
    return ContentFilter(
        rules: rules,
        lists: [
            WordList(category: "abuse", source: "t", licence: "t", terms: ["傻逼", "性", "逼"]),
            WordList(category: "advertising", source: "t", licence: "t", terms: ["加微信", "qq群", "t.cn/", "bit.ly"]),
            WordList(category: "office", source: "t", licence: "t", terms: ["内部资料"]),
        ],
        allowList: ["性别", "性格", "逼迫"])
}

@Suite("Content filter")
struct ContentFilterTests {
    let filter = makeTestFilter()

    @Test func categoriesAndActions() {
        let result = filter.check("你这个傻逼，加微信")
        #expect(result.flags.map(\.category) == ["abuse", "advertising"])
        #expect(result.action == .reject)
        #expect(filter.check("这是内部资料").action == .flag)
        #expect(filter.check("今天天气很好").action == nil)
    }

    @Test("single characters only flag, and innocent words containing them do not fire")
    func singleCharacters() {
        #expect(filter.check("请问性别栏怎么填").flags.isEmpty)
        #expect(filter.check("他的性格很好").flags.isEmpty)
        #expect(filter.check("被逼迫签字").flags.isEmpty)
        let alone = filter.check("性")
        #expect(alone.flags.map(\.action) == [.flag])
        // A hold category's single character still only flags.
        #expect(makeTestFilter(abuseAction: .reject).check("真逼人").action == .flag)
    }

    @Test func evasionsAreCaught() {
        for text in ["加 微 信", "加.微.信", "傻\u{200B}逼", "进ＱＱ群", "进qQ群"] {
            #expect(filter.check(text).action != nil, "\(text)")
        }
    }

    @Test("a Latin-only term matches only at word edges: folding drops its dot, not its letters' neighbours")
    func latinTermsKeepTheirWordEdges() {
        // A CI run's random tag "DTCNHJHB" was refused as advertising: "t.cn/"
        // folds to "tcn", which the tag contains.
        for text in ["标记 DTCNHJHB", "orbit.ly is a name", "Ｘｔ.ｃｎ/ab", "4tcn"] {
            #expect(filter.check(text).flags.isEmpty, "\(text)")
        }
        for text in ["看 t.cn/abc", "见t.cn/x", "(bit.ly/x)", "t . c n /x", "Ｔ．ｃｎ／x", "链接:bit.ly"] {
            #expect(filter.check(text).action == .reject, "\(text)")
        }
        // A term with Chinese in it has no word edges to keep: it still fires
        // glued to Latin letters and digits.
        #expect(filter.check("abcqq群123").action == .reject)
    }

    @Test func personalInformationRaisesAFlagAndNamesItsCategory() {
        let result = filter.check("我的电话13812345678")
        #expect(result.action == .flag)
        #expect(result.categories == ["personal_information"])
    }
}
