import Foundation
import Testing
import WenzhengCore

@Suite("Personal information")
struct PersonalInformationTests {
    func kinds(_ text: String) -> [PersonalInformationMatch.Kind] {
        PersonalInformation.detect(in: text).map(\.kind)
    }

    @Test("mobile numbers, also with spaces, dashes or +86", arguments: [
        "电话13812345678", "电话 138 1234 5678 谢谢", "138-1234-5678", "+86 13812345678", "１３８１２３４５６７８",
    ])
    func mobiles(_ text: String) {
        #expect(kinds(text) == [.mobile])
    }

    @Test func notMobiles() {
        #expect(kinds("订单号A13812345678").isEmpty)
        #expect(kinds("12812345678").isEmpty)  // no 12x prefix
        #expect(kinds("1381234567").isEmpty)  // 10 digits
    }

    @Test func residentIDsWithChecksum() {
        // 11010519491231002X is the standard's worked example.
        #expect(kinds("身份证11010519491231002X") == [.residentID])
        #expect(kinds("身份证 110105194912310021") == [])  // wrong check digit
        #expect(kinds("身份证110105194913310028").isEmpty)  // month 13
        #expect(kinds("旧证号 110105491231002") == [.residentID])  // 15-digit legacy
    }

    @Test func bankCardsByLuhn() {
        #expect(kinds("卡号4111111111111112") == [])  // fails Luhn
        #expect(kinds("卡号 4111 1111 1111 1111") == [.bankCard])
        #expect(PersonalInformation.passesLuhn([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]))
    }

    @Test func emailsLandlinesAndPlates() {
        #expect(kinds("邮箱zhang.san@example.com。") == [.email])
        #expect(kinds("a@b").isEmpty)
        #expect(kinds("座机025-83591234") == [.landline])
        #expect(kinds("座机010-6512 3456") == [.landline])
        #expect(kinds("车牌苏A12345停在门口") == [.licencePlate])
        #expect(kinds("车牌苏A·D12345") == [.licencePlate])
        #expect(kinds("苏ABCDEFGH").isEmpty)
    }

    @Test func masksForPublication() {
        #expect(PersonalInformation.mask("电话13812345678") == "电话138****5678")
        #expect(PersonalInformation.mask("电话 138 1234 5678") == "电话 138****5678")
        #expect(PersonalInformation.mask("11010519491231002X") == "11*************02X")
        #expect(PersonalInformation.mask("zhang@example.com") == "z***@example.com")
        #expect(PersonalInformation.mask("卡4111111111111111") == "卡************1111")
        #expect(PersonalInformation.mask("025-83591234") == "025-****1234")
        #expect(PersonalInformation.mask("苏A12345") == "苏A***45")
    }

    @Test("masking is idempotent", arguments: [
        "电话13812345678，身份证11010519491231002X，邮箱zhang@example.com",
        "卡 4111 1111 1111 1111，座机025-83591234，车牌苏A12345",
        "没有任何个人信息的文字",
    ])
    func idempotent(_ text: String) {
        let once = PersonalInformation.mask(text, authorName: "张三")
        #expect(PersonalInformation.mask(once, authorName: "张三") == once)
        #expect(PersonalInformation.detect(in: once).isEmpty)
    }

    @Test("overlapping candidates never crash masking", arguments: [
        "我的卡号6222021234567890128@qq.com", "13912345678@qq.com", "4111111111111111@example.com 13812345678",
    ])
    func overlapping(_ text: String) {
        let matches = PersonalInformation.detect(in: text)
        for (first, second) in zip(matches, matches.dropFirst()) { #expect(first.end <= second.start) }
        let masked = PersonalInformation.mask(text)
        #expect(PersonalInformation.mask(masked) == masked)
    }

    @Test func namesAndTheAuthorsOwnName() {
        #expect(PersonalInformation.maskName("张三") == "张*")
        #expect(PersonalInformation.maskName("张三丰") == "张**")
        #expect(PersonalInformation.maskName("欧阳娜娜") == "欧阳**")
        #expect(PersonalInformation.honorific("张三") == "张先生/女士")
        #expect(PersonalInformation.mask("我是张三，住在南京", authorName: "张三") == "我是张*，住在南京")
    }

    @Test func spansPointAtTheOriginalCharacters() {
        let text = "😀电话13812345678"
        let match = PersonalInformation.detect(in: text).first
        let utf16 = Array(text.utf16)
        #expect(match.map { String(decoding: utf16[$0.start..<$0.end], as: UTF16.self) } == "13812345678")
    }

    @Test("masking says what it masked, by kind, without the original")
    func maskedSpans() {
        let text = "我是张三，电话13812345678，邮箱zhang@example.com"
        let masked = PersonalInformation.maskWithSpans(text, authorName: "张三")
        #expect(masked.text == PersonalInformation.mask(text, authorName: "张三"))
        #expect(masked.text == "我是张*，电话138****5678，邮箱z***@example.com")
        #expect(masked.spans.map(\.kind) == [.name, .mobile, .email])
        let utf16 = Array(masked.text.utf16)
        for span in masked.spans {
            #expect(String(decoding: utf16[span.start..<span.end], as: UTF16.self) == span.masked)
            #expect(!span.masked.contains("13812345678") && !span.masked.contains("zhang"))
        }
        // Nothing detected: the text is unchanged and no span is reported.
        #expect(PersonalInformation.maskWithSpans("没有个人信息").spans.isEmpty)
    }

    @Test("offsets of the original land on the masked text, never inside a masked item")
    func offsetsMoveOntoTheMaskedText() {
        // "电话" 0..<2, the e-mail 2..<19 → "z***@example.com" 2..<18, then "傻逼" 19..<21 → 18..<20.
        let masked = PersonalInformation.maskWithSpans("电话zhang@example.com傻逼")
        #expect(masked.text == "电话z***@example.com傻逼")
        #expect(masked.maskedOffset(ofOriginal: 0) == 0)
        #expect(masked.maskedOffset(ofOriginal: 2) == 2)
        #expect(masked.maskedOffset(ofOriginal: 19) == 18)
        #expect(masked.maskedOffset(ofOriginal: 21) == 20)
        // Inside the e-mail: to its start, or (rounding up) its end.
        #expect(masked.maskedOffset(ofOriginal: 5) == 2)
        #expect(masked.maskedOffset(ofOriginal: 5, roundingUp: true) == 18)
    }

    @Test("unmasked text and contacts: admins, and the host of the interview only")
    func whoMayReadUnmaskedText() {
        #expect(PersonalInformationAccess.mayReadUnmasked(.admin))
        #expect(PersonalInformationAccess.mayReadUnmasked(.host, answersTheText: true))
        #expect(!PersonalInformationAccess.mayReadUnmasked(.host, answersTheText: false))
        for role in [Role.moderator, .guest, .handler, .reviewer] {
            #expect(!PersonalInformationAccess.mayReadUnmasked(role, answersTheText: true))
        }
    }
}

@Suite("Personal information: texts with nothing to find")
struct PersonalInformationShortcutTests {
    @Test("a text without digits or @ has nothing to mask, even with plate provinces and letters", arguments: [
        "新宁川贵云青黑的事", "京A·BCDEF", "粤Bxyz 宁波", "请问法律援助怎么申请？", "",
    ])
    func nothingWithoutDigitsOrAt(_ text: String) {
        #expect(PersonalInformation.detect(in: text).isEmpty)
        let masked = PersonalInformation.maskWithSpans(text)
        #expect(masked.text == text && masked.spans.isEmpty)
    }

    @Test("items still found next to the shortcut's cases")
    func stillFound() {
        #expect(PersonalInformation.detect(in: "车牌京A12345，宁波").map(\.kind) == [.licencePlate])
        #expect(PersonalInformation.detect(in: "邮箱 a@b.cn").map(\.kind) == [.email])
        #expect(PersonalInformation.detect(in: "电话１３８１２３４５６７８").map(\.kind) == [.mobile])
        #expect(PersonalInformation.maskWithSpans("我是王小明", authorName: "王小明").text == "我是王**")
    }
}
