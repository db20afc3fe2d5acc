/// Numbers as drafts write them in headings: 第一条, 第十二条, 第一百零三条,
/// 第一千零一条, and also 第12条 (Arabic, half- or full-width).
///
/// Chinese numerals are read strictly, as legislative drafting writes
/// them, from 1 to 9999: digits 一…九 (also 〇/零 as a placeholder, 两 for
/// 2, and the financial forms 壹…玖, 拾, 佰, 仟) with units 十, 百, 千 in
/// descending order. A leading 十 means 1×10 (十二 = 12). A last digit after
/// 百 or 千 without 零 (一百三, colloquially 130) is refused rather than
/// guessed: headings write 一百三十.
public enum ChineseNumerals {
    public static let maxValue = 9999

    static let digits: [Character: Int] = [
        "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
        "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
    ]
    static let units: [Character: Int] = ["十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000]
    static let zeros: Set<Character> = ["零", "〇"]

    /// The value of a Chinese or Arabic numeral, or nil.
    public static func value(of text: some StringProtocol) -> Int? {
        if let arabic = arabicValue(of: text) { return arabic }
        return chineseValue(of: text)
    }

    /// Whether `character` can be part of a numeral (for scanning).
    public static func isNumeralCharacter(_ character: Character) -> Bool {
        digits[character] != nil || units[character] != nil || zeros.contains(character) || arabicDigit(character) != nil
    }

    static func arabicDigit(_ character: Character) -> Int? {
        guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1 else { return nil }
        switch scalar.value {
        case 0x30...0x39: return Int(scalar.value - 0x30)
        case 0xFF10...0xFF19: return Int(scalar.value - 0xFF10)  // full-width ０…９
        default: return nil
        }
    }

    static func arabicValue(of text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.count <= 4 else { return nil }
        var value = 0
        for character in text {
            guard let digit = arabicDigit(character) else { return nil }
            value = value * 10 + digit
        }
        return value > 0 ? value : nil
    }

    static func chineseValue(of text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.count <= 12 else { return nil }
        var total = 0
        var pending: Int?
        var lastUnit = 10_000
        var zeroSinceUnit = false
        for character in text {
            if let digit = digits[character] {
                guard pending == nil else { return nil }  // 一二: two digits in a row
                pending = digit
            } else if zeros.contains(character) {
                guard pending == nil, lastUnit < 10_000, !zeroSinceUnit else { return nil }
                zeroSinceUnit = true
            } else if let unit = units[character] {
                guard unit < lastUnit else { return nil }  // units must descend: 十百 is not a number
                if let digit = pending {
                    total += digit * unit
                } else if unit == 10 && total == 0 {
                    total += 10  // a bare 十 at the start is ten: 十二
                } else {
                    return nil
                }
                pending = nil
                lastUnit = unit
                zeroSinceUnit = false
            } else {
                return nil
            }
        }
        if let digit = pending {
            // A last digit belongs in the units place: after 十, after 零,
            // or alone (五). After 百 or 千 directly, it would be ambiguous.
            guard lastUnit == 10 || lastUnit == 10_000 || zeroSinceUnit else { return nil }
            total += digit
        } else if zeroSinceUnit {
            return nil  // a trailing 零: 一百零
        }
        return (1...maxValue).contains(total) ? total : nil
    }

    /// `12` → `十二`, `103` → `一百零三`, `110` → `一百一十`: the form drafts
    /// use, for labels of sections the importer numbers itself.
    public static func chinese(_ value: Int) -> String {
        precondition((1...maxValue).contains(value))
        let names = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        let places = [(1000, "千"), (100, "百"), (10, "十")]
        var result = ""
        var remainder = value
        var needZero = false
        for (place, name) in places {
            let digit = remainder / place
            remainder %= place
            if digit > 0 {
                if needZero { result += "零" }
                // 十二, not 一十二, when ten is the leading place.
                if !(place == 10 && digit == 1 && result.isEmpty) { result += names[digit] }
                result += name
                needZero = false
            } else if !result.isEmpty {
                needZero = true
            }
        }
        if remainder > 0 {
            if needZero { result += "零" }
            result += names[remainder]
        }
        return result
    }
}
