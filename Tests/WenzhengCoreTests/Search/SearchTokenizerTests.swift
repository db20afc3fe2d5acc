import Testing
import WenzhengCore

@Suite("Search tokenizer")
struct SearchTokenizerTests {
    @Test func chineseRunsBecomeOverlappingBigramsEndingWithTheLastCharacter() {
        #expect(SearchTokenizer.documentTokens("法律援助") == "法律 律援 援助 助")
        #expect(SearchTokenizer.documentTokens("律师") == "律师 师")
    }

    @Test func anIsolatedChineseCharacterIsAUnigram() {
        #expect(SearchTokenizer.documentTokens("我") == "我")
        #expect(SearchTokenizer.documentTokens("我，你") == "我 你")
    }

    @Test func punctuationAndSpaceEndAWord() {
        #expect(SearchTokenizer.documentTokens("法律，援助") == "法律 律 援助 助")
        #expect(SearchTokenizer.documentTokens("法律 援助。") == "法律 律 援助 助")
        #expect(SearchTokenizer.documentTokens("“公证”") == "公证 证")
    }

    @Test func latinWordsAndNumbersAreWholeLowercasedTokens() {
        #expect(SearchTokenizer.documentTokens("WeChat 12348 hotline") == "wechat 12348 hotline")
        #expect(SearchTokenizer.documentTokens("A4纸张") == "a4 纸张 张")
        #expect(SearchTokenizer.documentTokens("拨打12348热线") == "拨打 打 12348 热线 线")
    }

    @Test func fullWidthAndCaseAreFolded() {
        #expect(SearchTokenizer.documentTokens("ＡＰＰ下载") == "app 下载 载")
        #expect(SearchTokenizer.documentTokens("ＷｅＣｈａｔ，１２３４８") == "wechat 12348")
        #expect(SearchTokenizer.documentTokens("律师\u{3000}公证") == "律师 师 公证 证")
    }

    @Test func separateTextsDoNotRunTogether() {
        #expect(SearchTokenizer.documentTokens(["律师", "公证", ""]) == "律师 师 公证 证")
        #expect(SearchTokenizer.documentTokens(["abc", "def"]) == "abc def")
    }

    @Test func emptyAndPunctuationOnlyTextHaveNoTokens() {
        #expect(SearchTokenizer.documentTokens("") == "")
        #expect(SearchTokenizer.documentTokens("，。！ \"*()") == "")
    }

    @Test func wordsSplitIntoScriptSegments() {
        let words = SearchTokenizer.words("A4纸张，微信abc")
        #expect(words.map { $0.map(\.text) } == [["a4", "纸张"], ["微信", "abc"]])
        #expect(words.map { $0.map(\.isCJK) } == [[false, true], [true, false]])
    }
}

@Suite("Search query")
struct SearchQueryTests {
    private func expression(_ text: String) throws -> String {
        try SearchQuery(text).matchExpression
    }

    private func errorCodes(_ text: String) -> [String] {
        do {
            _ = try SearchQuery(text)
            return []
        } catch {
            return error.errors.map(\.code)
        }
    }

    @Test func twoCharacterQueryIsOneBigram() throws {
        #expect(try expression("律师") == "\"律师\"")
        #expect(try expression(" 公证 ") == "\"公证\"")
    }

    @Test func longerQueryIsThePhraseOfItsBigrams() throws {
        #expect(try expression("法律援助") == "\"法律 律援 援助\"")
        #expect(try expression("行政复议申请") == "\"行政 政复 复议 议申 申请\"")
    }

    @Test func wordsAreAndedAndDuplicatesDropped() throws {
        #expect(try expression("律师 拖欠工资") == "\"律师\" AND \"拖欠 欠工 工资\"")
        #expect(try expression("律师，公证 律师") == "\"律师\" AND \"公证\"")
    }

    @Test func mixedWordsKeepTheirInnerBoundaries() throws {
        // A Chinese segment followed by more of the word ends with its unigram.
        #expect(try expression("微信abc") == "\"微信 信 abc\"")
        #expect(try expression("纸A4") == "\"纸 a4\"")
        // A last single character may continue in the letter: a prefix.
        #expect(try expression("A4纸") == "\"a4 纸\" *")
        #expect(try expression("A4纸张") == "\"a4 纸张\"")
        #expect(try expression("ＷｅＣｈａｔ") == "\"wechat\"")
    }

    @Test func blankTooLongAndEmptyQueriesAreRefused() {
        #expect(errorCodes("") == ["required"])
        #expect(errorCodes("  \u{3000} ") == ["required"])
        #expect(errorCodes(String(repeating: "法", count: SearchQuery.maxLength + 1)) == ["too_long"])
        #expect(errorCodes(String(repeating: "法", count: SearchQuery.maxLength)) == [])
        #expect(errorCodes("\"*()") == ["invalid"])
        #expect(errorCodes("，。！") == ["invalid"])
    }

    @Test func aLoneChineseCharacterIsRefused() {
        #expect(errorCodes("法") == ["too_short"])
        #expect(errorCodes("律师 法") == ["too_short"])
        #expect(errorCodes("a") == [])
    }

    @Test(
        "FTS5 syntax in the input is only text",
        arguments: [
            ("律师\" OR \"公证", "\"律师\" AND \"or\" AND \"公证\""),
            ("NEAR(律师 公证)", "\"near\" AND \"律师\" AND \"公证\""),
            ("律师*", "\"律师\""),
            ("-公证", "\"公证\""),
            ("律师 -公证", "\"律师\" AND \"公证\""),
            ("content:律师", "\"content\" AND \"律师\""),
            ("^律师 AND", "\"律师\" AND \"and\""),
            ("{content} : 律师", "\"content\" AND \"律师\""),
        ])
    func ftsSyntaxIsText(input: String, expected: String) throws {
        #expect(try expression(input) == expected)
    }

    @Test func expressionsHaveOnlyQuotedTokensAndOperators() throws {
        let inputs = ["\"\"\"律师", "a\"b", "律师\"\"", "OR", "NOT 律师", "律师 NEAR/3 公证", "*律师*", "律师'; DROP TABLE x; --"]
        for input in inputs {
            let parsed = try SearchQuery(input)
            // Rebuild the expression from the phrases and check nothing else
            // is in it.
            let rebuilt = parsed.phrases.map { "\"" + $0.tokens.joined(separator: " ") + "\"" + ($0.lastIsPrefix ? " *" : "") }
                .joined(separator: " AND ")
            #expect(parsed.matchExpression == rebuilt)
            for token in parsed.phrases.flatMap(\.tokens) {
                #expect(token.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
                #expect(!token.isEmpty)
            }
        }
    }
}
